/**
 * A scene is the complete, serialisable description of one synthetic photo: the surface, the objects with
 * their soft shadows, an optional printed label, and the "camera" (framing offset, exposure, noise, blur,
 * JPEG quality). `renderScene` turns it into pixels; the same scene always renders the same pixels.
 */

import { drawText, textHeight, textWidth } from './font.js';
import { Rng } from '../../random/rng.js';
import { Canvas, type Outline, type RGB } from './raster.js';

/** One filled object. */
export interface SceneShape {
  outline: Outline;
  colour: RGB;
  /** Lighting ramp strength across the object. */
  shade: number;
}

/** A pale label with printed lines, centred at (cx, cy). */
export interface SceneLabel {
  cx: number;
  cy: number;
  lines: readonly string[];
  scale: number;
  paper: RGB;
  ink: RGB;
}

/** How the picture was taken. */
export interface Capture {
  /** Shift of every object (the surface stays put): large values push the subject out of frame. */
  offset: readonly [number, number];
  /** Exposure multiplier: 1 = normal, ~0.1 = very dark. */
  lighting: number;
  /** Standard deviation of the sensor noise, added after exposure. */
  noiseSigma: number;
  /** Gaussian blur sigma applied by the encoder (0 = sharp). */
  blurSigma: number;
  /** JPEG quality. */
  quality: number;
}

export interface Scene {
  size: number;
  surface: readonly [RGB, RGB];
  wobble: number;
  phase: number;
  shapes: readonly SceneShape[];
  label?: SceneLabel;
  capture: Capture;
  /** Seed of the sensor noise. */
  noiseSeed: number;
}

/** The label's paper rectangle (half-extents include a margin around the text). */
function labelOutline(label: SceneLabel): Extract<Outline, { kind: 'rect' }> {
  const widest = Math.max(...label.lines.map((line) => textWidth(line, label.scale)));
  const lineGap = label.scale * 2;
  const height = label.lines.length * textHeight(label.scale) + (label.lines.length - 1) * lineGap;
  const margin = label.scale * 2 + 1;
  return { kind: 'rect', cx: label.cx, cy: label.cy, hw: widest / 2 + margin, hh: height / 2 + margin };
}

function translate(o: Outline, dx: number, dy: number): Outline {
  return { ...o, cx: o.cx + dx, cy: o.cy + dy };
}

function drawLabel(canvas: Canvas, label: SceneLabel, dx: number, dy: number): void {
  const paper = translate(labelOutline(label), dx, dy);
  canvas.fillOutline(paper, label.paper, { shade: 0.04 });
  const lineGap = label.scale * 2;
  const total = label.lines.length * textHeight(label.scale) + (label.lines.length - 1) * lineGap;
  let y = label.cy + dy - total / 2;
  for (const line of label.lines) {
    drawText(canvas, line, label.cx + dx - textWidth(line, label.scale) / 2, y, label.scale, label.ink);
    y += textHeight(label.scale) + lineGap;
  }
}

/** Renders the scene (everything except blur and JPEG encoding, which the encoder does). */
export function renderScene(scene: Scene): Canvas {
  const { size, capture } = scene;
  const canvas = new Canvas(size, size);
  canvas.fillGradient(scene.surface[0], scene.surface[1], scene.wobble, scene.phase);
  const [dx, dy] = capture.offset;
  const shadowShift = Math.max(1, size / 40);
  for (const shape of scene.shapes) {
    const moved = translate(shape.outline, dx, dy);
    canvas.fillOutline(translate(moved, shadowShift, shadowShift * 1.3), [0, 0, 0], { softness: size / 30, alpha: 0.28 });
    canvas.fillOutline(moved, shape.colour, { shade: shape.shade });
  }
  if (scene.label !== undefined) drawLabel(canvas, scene.label, dx, dy);
  canvas.scale(capture.lighting);
  canvas.addNoise(new Rng(scene.noiseSeed), capture.noiseSigma);
  return canvas;
}
