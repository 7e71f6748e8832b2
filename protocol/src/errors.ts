import type { ErrorCode } from './codes.js';

/** Base of every typed error Concord throws: `name` for humans, `code` for programs. */
export class ConcordError extends Error {
  override readonly name: string = 'ConcordError';
  constructor(
    readonly code: ErrorCode | string,
    message: string,
  ) {
    super(message);
  }
}

/** A frame that cannot be decoded, or a peer that broke the protocol. */
export class ProtocolError extends ConcordError {
  override readonly name = 'ProtocolError';
}
