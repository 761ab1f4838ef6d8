import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { likelyIssues, QUALITY_ADVICE, spokenReply } from '../../src/serve/advice.js';

describe('quality advice', () => {
  it('reports the flags at or above 0.5, most likely first, with their advice', () => {
    // blur, too_dark, too_bright, framing, obstruction, rotation, unrecognizable
    const issues = likelyIssues(Float32Array.of(0.5, 0.97, 0.1, 0.49, 0, 0, 0.8));
    assert.deepEqual(
      issues.map((q) => [q.issue, Number(q.probability.toFixed(2))]),
      [
        ['too_dark', 0.97],
        ['unrecognizable', 0.8],
        ['blur', 0.5],
      ],
    );
    assert.equal(issues[0]!.advice, 'The photo is too dark. Turn on a light or move toward a window, then try again.');
    assert.deepEqual(likelyIssues(undefined), []);
  });

  it('leads with the answer, or says why there is none and how to retake the photo', () => {
    const dark = likelyIssues(Float32Array.of(0, 0.97, 0, 0, 0, 0, 0.8));
    assert.equal(spokenReply('red', 0.9, []), 'Red.');
    assert.equal(
      spokenReply('red.', 0.9, likelyIssues(Float32Array.of(0.7, 0, 0, 0, 0, 0, 0))),
      'Red. The photo may not be clear: The photo is blurry. Hold the phone still and try again.',
    );
    assert.equal(
      spokenReply('red', 0.2, dark),
      'I cannot answer that from this photo. The photo is too dark. Turn on a light or move toward a window, then try again.',
    );
    assert.equal(
      spokenReply('unanswerable', 0.9, []),
      'I cannot answer that from this photo. Try again with the object in the middle of the photo, in good light.',
    );
    assert.equal(
      spokenReply('', 0.2, likelyIssues(Float32Array.of(0, 0, 0, 0, 0, 0, 0.9))),
      `I cannot answer that from this photo. ${QUALITY_ADVICE.unrecognizable}`,
    );
    assert.equal(spokenReply('  ', 0.9, []), 'I have no answer.');
  });
});
