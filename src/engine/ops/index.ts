/** The op API in one import: `import * as op from './ops/index.js'`. */

export * from './elementwise.js';
export * from './cast.js';
export * from './matmul.js';
export * from './shape.js';
export * from './reduce.js';
export * from './norm.js';
export * from './activation.js';
export * from './loss.js';
export * from './conv.js';
export * from './indexing.js';
export * from './trig.js';
export * from './gather-elements.js';
export * from './cumsum.js';
export * from './stop-gradient.js';
export * from './quantized-matmul.js';
