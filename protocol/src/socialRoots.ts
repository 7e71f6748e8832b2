/** [SOCIAL-1] The social layer's server-only roots, listed in SERVER_ROOTS (roots.ts) with the membership mirrors. */
import { CONV_SYSTEM, USER_ACCOUNT, USER_BLOCKED, USER_CONTACTS, USER_PEOPLE, USER_REQUESTS } from './social.js';

export const SOCIAL_SERVER_ROOTS = {
  conv: [CONV_SYSTEM],
  user: [USER_CONTACTS, USER_REQUESTS, USER_BLOCKED, USER_PEOPLE, USER_ACCOUNT],
} as const;
