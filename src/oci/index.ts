export * from './types.js';
export { parseReference, formatReference, fullName, familiarName, familiarString, isValidDigest, digestProblem } from './reference.js';
