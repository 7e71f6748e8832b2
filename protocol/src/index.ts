// The wire protocol (frames, codes, ids, blobs), the doc schema (conv, user, hlc, coverage) and the HTTP API's
// request and response shapes: everything the server and the clients must agree on, with no platform in it.
export * from './codes.js';
export * from './errors.js';
export * from './frames.js';
export * from './ids.js';
export * from './plainFrames.js';
export * from './version.js';
export * from './blobs.js';
export * from './conv.js';
export * from './coverage.js';
export * from './hlc.js';
export * from './user.js';
export * from './httpTypes.js';
export * from './httpParse.js';
export * from './roots.js';
export * from './presence.js';
export * from './accountRules.js';
export * from './actions.js';
export * from './social.js';
export * from './httpSocial.js';
