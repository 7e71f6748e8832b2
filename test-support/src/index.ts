/**
 * Test support shared by every workspace's tests (imported as `@concord/test-support`, never by product code):
 * one way to wait for a condition, one seeded PRNG. Tests only: nothing here is built or shipped.
 */
export { waitFor, type WaitOptions, type Source } from './wait.js';
export { seededRandom, type Random } from './random.js';
