export * from './conv.js';
export * from './coverage.js';
export * from './hlc.js';
export * from './user.js';
