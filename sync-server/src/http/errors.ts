import { ErrorCode } from '@concord/protocol';
import { ServiceError } from '../auth/errors.js';

/** A ServiceError with an HTTP status other than the one its code implies (404 route, 405, 413). */
export class HttpError extends ServiceError {
  override readonly name: string = 'HttpError';
  constructor(
    readonly status: number,
    code: ErrorCode,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(code, message);
  }
}

const STATUS: Readonly<Record<ErrorCode, number>> = {
  [ErrorCode.BadRequest]: 400,
  [ErrorCode.BadFrame]: 400,
  [ErrorCode.UnknownFrame]: 400,
  [ErrorCode.InvalidDocName]: 400,
  [ErrorCode.InvalidUpdate]: 400,
  [ErrorCode.WeakPassword]: 400,
  [ErrorCode.InvalidName]: 400,
  [ErrorCode.BlobMismatch]: 400,
  [ErrorCode.VersionMismatch]: 400,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.SegmentGap]: 409,
  [ErrorCode.TooBig]: 413,
  [ErrorCode.RangeNotSatisfiable]: 416,
  [ErrorCode.TooManyDocs]: 429,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.Internal]: 500,
};

export function statusOf(err: ServiceError): number {
  return err instanceof HttpError ? err.status : STATUS[err.code as ErrorCode] ?? 400;
}

export function badRequest(message: string): ServiceError {
  return new ServiceError(ErrorCode.BadRequest, message);
}

export function notFound(message: string): ServiceError {
  return new ServiceError(ErrorCode.NotFound, message);
}
