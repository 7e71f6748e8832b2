/**
 * The account input rules (AUTH-1, AUTH-2), in one place: the server checks every sign-up against them and the apps'
 * sign-up forms show them (SIGN_UP_RULES) and explain a broken one before anything is sent (AUTH-RULES-1). Each
 * check returns a human message for the first broken rule, or null. The common-password list is the server's alone
 * (it is 3,309 entries, too big for the app bundles): `passwordProblem` takes the lookup as an argument.
 */

export const USERNAME_MIN = 3;
export const USERNAME_MAX = 32;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;
export const DISPLAY_NAME_MAX = 64;
export const DEVICE_NAME_MAX = 64;

const USERNAME_PATTERN = /^[a-z0-9][a-z0-9_.-]*$/;
/** C0 and C1 control characters (NUL, tab, newline, escape, ...). */
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/u;

/** The rules as a sign-up form shows them, one sentence each, with the limits above. */
export const SIGN_UP_RULES = {
  username: `Username: ${USERNAME_MIN} to ${USERNAME_MAX} characters, only a-z, 0-9, "_", "." and "-", starting with a letter or digit (capitals count as small letters).`,
  password: `Password: ${PASSWORD_MIN} to ${PASSWORD_MAX} characters, not one character repeated, not your username, and not one of the most common passwords.`,
} as const;

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

/** A username as typed into a form: the raw check, then the normalized one (what the server answers too). */
export function typedUsernameProblem(raw: string): string | null {
  return rawUsernameProblem(raw) ?? usernameProblem(normalizeUsername(raw));
}

/** `isCommon`: the common-password lookup (the server's list); without it that one rule is left to the server. */
export function passwordProblem(password: string, username: string, isCommon: (password: string) => boolean = () => false): string | null {
  const chars = [...password.normalize('NFC')];
  if (chars.length < PASSWORD_MIN) return `password must be at least ${PASSWORD_MIN} characters`;
  if (chars.length > PASSWORD_MAX) return `password must be at most ${PASSWORD_MAX} characters`;
  // A NUL or a newline in a password is a paste accident or an attack on some other system's C string; nobody
  // types one on purpose, and refusing it keeps every client able to type the password it registered.
  if (CONTROL_CHARS.test(password)) return 'password must not contain control characters';
  if (chars.every((c) => c === chars[0])) return 'password must not be one character repeated';
  if (password.toLowerCase() === username.toLowerCase()) return 'password must not equal the username';
  if (isCommon(password)) return 'password is one of the most common passwords';
  return null;
}
