export * from './codes.js';
export * from './errors.js';
export * from './frames.js';
export * from './ids.js';
export * from './plainFrames.js';
export * from './version.js';
export * from './blobs.js';
