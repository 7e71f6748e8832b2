export * from './protocol/index.js';
export * from './schema/index.js';
