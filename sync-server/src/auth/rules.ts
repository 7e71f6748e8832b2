/**
 * Input rules for accounts (SPEC AUTH-*) as the server applies them. Each returns a human message for the first broken
 * rule, or null.
 * Usernames are case-insensitive: they are stored lowercased, and the column is COLLATE NOCASE as well.
 */

import { passwordProblem as passwordRuleProblem } from '@concord/protocol';
import { COMMON_PASSWORDS_TEXT } from './commonPasswords.js';

// The rules and limits themselves are the protocol package's, which the apps' sign-up forms show (AUTH-RULES-1).
export {
  DEVICE_NAME_MAX,
  DISPLAY_NAME_MAX,
  PASSWORD_MAX,
  PASSWORD_MIN,
  USERNAME_MAX,
  USERNAME_MIN,
  normalizeUsername,
  rawUsernameProblem,
  usernameProblem,
} from '@concord/protocol';

// C0/C1 controls, line and paragraph separators, bidi overrides: nothing that can disguise a name on screen.
const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

let commonPasswords: ReadonlySet<string> | null = null;

/** Built on first use: 3,309 entries, about 40 ms and a few hundred KiB once per process. */
function isCommonPassword(password: string): boolean {
  commonPasswords ??= new Set(COMMON_PASSWORDS_TEXT.split('\n'));
  return commonPasswords.has(password.toLowerCase());
}

/** AUTH-2 with the server's common-password list. */
export function passwordProblem(password: string, username: string): string | null {
  return passwordRuleProblem(password, username, isCommonPassword);
}

/** Display and device names: trimmed, 1 to `max` characters, no control or bidi-override characters. */
export function labelProblem(label: string, what: string, max: number): string | null {
  const length = [...label].length;
  if (length < 1 || length > max) return `${what} must be 1 to ${max} characters`;
  if (UNSAFE_TEXT.test(label)) return `${what} must not contain control characters`;
  return null;
}
