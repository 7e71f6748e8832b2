/** The trust rules' rate limits use the server's one token-bucket implementation. */
export { TokenBuckets, type BucketVerdict } from '../util/tokenBuckets.js';
