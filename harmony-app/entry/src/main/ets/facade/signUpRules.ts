/**
 * The sign-up form's rules (AUTH-RULES-1): the sentences and the checks are the protocol package's (through the
 * client-core bundle), the same the server applies, so the page states exactly what the server will refuse.
 */
import { SIGN_UP_RULES, typedUsernameProblem } from '@concord/client-core';

export const USERNAME_RULE: string = SIGN_UP_RULES.username;
export const PASSWORD_RULE: string = SIGN_UP_RULES.password;

/** What is wrong with the username as typed; '' when nothing is (or nothing is typed yet). */
export function usernameHint(typed: string): string {
  if (typed.length === 0) {
    return '';
  }
  const problem = typedUsernameProblem(typed);
  return problem === null ? '' : problem;
}
