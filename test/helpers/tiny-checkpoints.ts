/** Tiny random checkpoints of the real encoder architectures (the writers live in src, used by compare too). */
export { writeTinyClip } from '../../src/models/clip/tiny.js';
export { writeTinyResnet } from '../../src/models/resnet/tiny.js';
