/**
 * Input rules for accounts (SPEC AUTH-*). Each returns a human message for the first broken rule, or null.
 * Usernames are case-insensitive: they are stored lowercased, and the column is COLLATE NOCASE as well.
 */

import { COMMON_PASSWORDS_TEXT } from './commonPasswords.js';

export const USERNAME_MIN = 3;
export const USERNAME_MAX = 32;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;
export const DISPLAY_NAME_MAX = 64;
export const DEVICE_NAME_MAX = 64;

const USERNAME_PATTERN = /^[a-z0-9][a-z0-9_.-]*$/;
/** C0 and C1 control characters (NUL, tab, newline, escape, ...). */
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/u;
// C0/C1 controls, line and paragraph separators, bidi overrides: nothing that can disguise a name on screen.
const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

export function normalizeUsername(raw: string): string {
  return raw.trim().toLowerCase();
}

/**
 * Checks a username as sent, before normalizing: trimming would otherwise turn "alice\n" or "\talice" into a valid
 * name silently, and a name with a control character in it is a mistake or a probe either way.
 */
export function rawUsernameProblem(raw: string): string | null {
  return CONTROL_CHARS.test(raw) ? 'username must not contain control characters' : null;
}

/** Checks a normalized username. */
export function usernameProblem(username: string): string | null {
  if (username.length < USERNAME_MIN || username.length > USERNAME_MAX) {
    return `username must be ${USERNAME_MIN} to ${USERNAME_MAX} characters`;
  }
  if (!USERNAME_PATTERN.test(username)) {
    return 'username may contain only a-z, 0-9, "_", "." and "-", and must start with a letter or digit';
  }
  return null;
}

let commonPasswords: ReadonlySet<string> | null = null;

/** Built on first use: 3,309 entries, about 40 ms and a few hundred KiB once per process. */
function isCommonPassword(password: string): boolean {
  commonPasswords ??= new Set(COMMON_PASSWORDS_TEXT.split('\n'));
  return commonPasswords.has(password.toLowerCase());
}

export function passwordProblem(password: string, username: string): string | null {
  const chars = [...password.normalize('NFC')];
  if (chars.length < PASSWORD_MIN) return `password must be at least ${PASSWORD_MIN} characters`;
  if (chars.length > PASSWORD_MAX) return `password must be at most ${PASSWORD_MAX} characters`;
  // A NUL or a newline in a password is a paste accident or an attack on some other system's C string; nobody
  // types one on purpose, and refusing it keeps every client able to type the password it registered.
  if (CONTROL_CHARS.test(password)) return 'password must not contain control characters';
  if (chars.every((c) => c === chars[0])) return 'password must not be one character repeated';
  if (password.toLowerCase() === username.toLowerCase()) return 'password must not equal the username';
  if (isCommonPassword(password)) return 'password is one of the most common passwords';
  return null;
}

/** Display and device names: trimmed, 1 to `max` characters, no control or bidi-override characters. */
export function labelProblem(label: string, what: string, max: number): string | null {
  const length = [...label].length;
  if (length < 1 || length > max) return `${what} must be 1 to ${max} characters`;
  if (UNSAFE_TEXT.test(label)) return `${what} must not contain control characters`;
  return null;
}
