/**
 * The error vocabulary shared by client and server: WebSocket close codes and the machine-readable codes carried
 * by REJECT and ERROR frames and by HTTP error bodies. Both sides import this module; nothing else defines codes.
 */

export const CloseCode = {
  /** Normal close (client logout, server shutdown of an idle socket). */
  Normal: 1000,
  /** The server is shutting down or restarting; reconnect with backoff. */
  GoingAway: 1001,
  /** A frame could not be parsed or broke the protocol. */
  ProtocolError: 1002,
  /** A frame larger than the server accepts. */
  TooBig: 1009,
  /** Missing, bad, expired or revoked token, or the device was logged out elsewhere: do not retry. */
  Unauthorized: 4401,
  /** The doc exists but this user may not see it (plain endpoint only; the multiplexed one refuses per doc). */
  Forbidden: 4403,
  /** No HELLO or no heartbeat in time. */
  Timeout: 4408,
  /** The peer speaks a protocol version this side does not support: do not retry with the same build. */
  VersionMismatch: 4426,
  /** Too many docs, frames or bytes: the connection was closed to protect the server. */
  RateLimited: 4429,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * [CLOSE-1] Close codes after which a client must not reconnect by itself: the "stop" rows of SPEC 2.3's table.
 * Every other code (unknown ones too) is answered by reconnecting with backoff.
 */
export function isTerminalCloseCode(code: number): boolean {
  return code === CloseCode.Unauthorized || code === CloseCode.Forbidden || code === CloseCode.VersionMismatch;
}

export const ErrorCode = {
  BadRequest: 'bad_request',
  BadFrame: 'bad_frame',
  UnknownFrame: 'unknown_frame',
  TooBig: 'too_big',
  Unauthorized: 'unauthorized',
  Forbidden: 'forbidden',
  NotFound: 'not_found',
  Conflict: 'conflict',
  WeakPassword: 'weak_password',
  InvalidName: 'invalid_name',
  RateLimited: 'rate_limited',
  VersionMismatch: 'version_mismatch',
  InvalidDocName: 'invalid_doc_name',
  /** An update broke a schema or ownership rule (the message names the rule ID). */
  InvalidUpdate: 'invalid_update',
  TooManyDocs: 'too_many_docs',
  /** [SEG-3] A write to segment k of a conversation whose segment k-1 the server does not hold. */
  SegmentGap: 'segment_gap',
  BlobMismatch: 'blob_mismatch',
  /** [BLOB-6] A `Range` that starts beyond the blob's end (416, `Content-Range: bytes *\/<size>`). */
  RangeNotSatisfiable: 'range_not_satisfiable',
  Internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const errorCodes = new Set<string>(Object.values(ErrorCode));
export function isErrorCode(value: string): value is ErrorCode {
  return errorCodes.has(value);
}
