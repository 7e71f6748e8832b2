/** The harmony sign-up form's rules and username hint (AUTH-RULES-1), as Login.ets shows them. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PASSWORD_RULE, USERNAME_RULE, usernameHint } from '../entry/src/main/ets/facade/signUpRules';

const LOGIN = readFileSync(join(__dirname, '../entry/src/main/ets/pages/Login.ets'), 'utf8');

describe('sign-up rules in the harmony app', () => {
  it('[AUTH-RULES-1] the rules state the server limits, and the sign-up page shows both while registering', () => {
    expect(USERNAME_RULE).toContain('3 to 32 characters');
    expect(PASSWORD_RULE).toContain('8 to 256 characters');
    expect(PASSWORD_RULE).toContain('most common passwords');
    expect(LOGIN).toMatch(/Text\(USERNAME_RULE\)[\s\S]*?visibility\(this\.registering \?/);
    expect(LOGIN).toMatch(/Text\(PASSWORD_RULE\)[\s\S]*?visibility\(this\.registering \?/);
  });

  it('[AUTH-RULES-1] a bad username is explained as typed, and submitting it while registering sends nothing', () => {
    expect(usernameHint('')).toBe('');
    expect(usernameHint('Fay')).toBe('');
    expect(usernameHint('fa')).toBe('username must be 3 to 32 characters');
    expect(usernameHint('fay smith!')).toContain('may contain only a-z, 0-9');
    expect(usernameHint('fay\n')).toBe('username must not contain control characters');
    // submit() returns before setServer/register when the hint is not empty.
    expect(LOGIN).toMatch(/if \(this\.registering && usernameHint\(this\.username\) !== ''\) \{\s*this\.error = usernameHint\(this\.username\);\s*return;/);
  });
});
