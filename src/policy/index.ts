// The policy engine's face: contract types, and each sub-folder's index (one line each; additive).
export * from './types.js';
export * from './testrunner/index.js';
export * from './engine/index.js';
export * from './variables/index.js';
export * from './verify/index.js';
