import { ConcordError, ErrorCode } from '@concord/protocol';

/** A refusal the HTTP layer turns into `{"error": {code, message}}` with the status that fits the code. */
export class ServiceError extends ConcordError {
  override readonly name: string = 'ServiceError';
  constructor(
    override readonly code: ErrorCode,
    message: string,
    /** For rate_limited: when the caller may try again. */
    readonly retryAfterMs?: number,
  ) {
    super(code, message);
  }
}

/** The one text for every failed login: never says whether the username or the password was wrong (AUTH-4). */
export const BAD_CREDENTIALS = 'wrong username or password';

export function rateLimited(retryAfterMs: number): ServiceError {
  return new ServiceError(ErrorCode.RateLimited, 'too many attempts; try again later', retryAfterMs);
}
