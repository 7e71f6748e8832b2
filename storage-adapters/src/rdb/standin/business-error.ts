import type { BusinessError } from '../types.js';

export function businessError(code: number, message: string, cause?: unknown): BusinessError {
  const err = new Error(message, cause === undefined ? undefined : { cause }) as BusinessError;
  err.name = 'BusinessError';
  err.code = code;
  return err;
}
