/**
 * Registration, login, password change and the password check before deletion (SPEC AUTH-1..AUTH-4, AUTH-10..AUTH-12,
 * AUTH-14, ACCOUNT-1). Login costs one scrypt whether or not the user
 * exists (an unknown name is checked against a dummy hash), and fails with one text, so neither the answer nor
 * its timing tells an attacker which usernames exist.
 */
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { ErrorCode, type DeviceId, type UserId } from '@concord/protocol';
import type { Clock } from '../config.js';
import { newId } from '../db/ids.js';
import { UsernameTakenError, type UserRepo, type UserRow } from '../db/users.js';
import { BAD_CREDENTIALS, ServiceError, rateLimited } from './errors.js';
import { hashPassword, needsRehash, verifyPassword, type ScryptParams } from './password.js';
import type { LoginLimiter, RegistrationLimiter } from './rateLimit.js';
import {
  DEVICE_NAME_MAX,
  DISPLAY_NAME_MAX,
  USERNAME_MAX,
  labelProblem,
  normalizeUsername,
  passwordProblem,
  rawUsernameProblem,
  usernameProblem,
} from './rules.js';
import type { IssuedSession, SessionService } from './sessions.js';
import type { AuthContext } from '../seams.js';
import { purgeAccount, type AccountDeletionDeps, type DeletionReport } from './deleteAccount.js';

export interface RegisterInput {
  readonly username: string;
  readonly password: string;
  readonly displayName?: string | undefined;
  readonly deviceName?: string | undefined;
}

export interface LoginInput {
  readonly username: string;
  readonly password: string;
  readonly deviceName?: string | undefined;
}

export interface ChangePasswordInput {
  readonly currentPassword: string;
  readonly newPassword: string;
  readonly closeOtherSessions: boolean;
}

export const DEFAULT_DEVICE_NAME = 'device';

export interface AccountServiceDeps {
  readonly db: Database.Database;
  readonly users: UserRepo;
  readonly sessions: SessionService;
  readonly loginLimiter: LoginLimiter;
  readonly registrationLimiter: RegistrationLimiter;
  readonly scrypt: ScryptParams;
  readonly clock: Clock;
}

export class AccountService {
  /** Hash of a password nobody knows, with the current parameters; unknown users are verified against it. */
  private readonly dummyHash: Promise<string>;

  constructor(private readonly deps: AccountServiceDeps) {
    this.dummyHash = hashPassword(randomBytes(24).toString('base64url'), deps.scrypt);
    // Rejection is observed where it is awaited; this keeps it from being reported as unhandled meanwhile.
    this.dummyHash.catch(() => undefined);
  }

  async register(input: RegisterInput, address: string): Promise<IssuedSession & { readonly username: string }> {
    const decision = this.deps.registrationLimiter.take(address);
    if (!decision.allowed) throw rateLimited(decision.retryAfterMs);
    const username = normalizeUsername(input.username);
    const nameProblem = rawUsernameProblem(input.username) ?? usernameProblem(username);
    if (nameProblem !== null) throw new ServiceError(ErrorCode.InvalidName, nameProblem);
    const weak = passwordProblem(input.password, username);
    if (weak !== null) throw new ServiceError(ErrorCode.WeakPassword, weak);
    const displayName = (input.displayName ?? username).trim();
    const displayProblem = labelProblem(displayName, 'displayName', DISPLAY_NAME_MAX);
    if (displayProblem !== null) throw new ServiceError(ErrorCode.InvalidName, displayProblem);
    const deviceName = checkDeviceName(input.deviceName);
    // Checked before hashing to spare the work; the UNIQUE index still decides a race between two registrations.
    if (this.deps.users.byUsername(username) !== null) throw taken();
    const passwordHash = await hashPassword(input.password, this.deps.scrypt);
    const user: UserRow = {
      id: newId() as UserId,
      username,
      displayName,
      passwordHash,
      createdAt: this.deps.clock(),
    };
    try {
      const issued = this.deps.db.transaction(() => {
        this.deps.users.insert(user);
        return { ...this.deps.sessions.create(user.id, deviceName), username };
      })();
      // [AUTH-11] The creator's address is trusted for the new name, as after a login from it.
      this.deps.loginLimiter.trust(username, address);
      return issued;
    } catch (err) {
      if (err instanceof UsernameTakenError) throw taken();
      throw err;
    }
  }

  /** [ACCOUNT-1] Checks the password like AUTH-14, then deletes the account (auth/deleteAccount.ts). */
  async deleteAccount(auth: AuthContext, password: string, address: string, deletion: AccountDeletionDeps): Promise<DeletionReport> {
    await verifyOwnPassword(this.deps, auth, password, address);
    return purgeAccount(deletion, auth.userId);
  }

  changePassword(auth: AuthContext, input: ChangePasswordInput, address: string): Promise<DeviceId[]> {
    return changePassword(this.deps, auth, input, address);
  }

  async login(input: LoginInput, address: string): Promise<IssuedSession> {
    const username = normalizeUsername(input.username);
    // Bound the limiter's key so a megabyte of "username" cannot be stored.
    const limitKey = username.slice(0, USERNAME_MAX + 1);
    const deviceName = checkDeviceName(input.deviceName);
    const decision = this.deps.loginLimiter.attempt(limitKey, address);
    if (!decision.allowed) throw rateLimited(decision.retryAfterMs);
    const user = usernameProblem(username) === null ? this.deps.users.byUsername(username) : null;
    const stored = user?.passwordHash ?? (await this.dummyHash);
    const matches = await verifyPassword(input.password, stored);
    // A failure was charged by attempt(); only a success needs telling.
    if (user === null || !matches) throw new ServiceError(ErrorCode.Unauthorized, BAD_CREDENTIALS);
    this.deps.loginLimiter.succeeded(limitKey, address);
    // [ADMIN-1] Said only to who proved the password: nobody else learns that the account exists or is disabled.
    if ((user.disabledAt ?? null) !== null) throw new ServiceError(ErrorCode.Forbidden, 'this account is disabled');
    if (needsRehash(user.passwordHash, this.deps.scrypt)) {
      this.deps.users.setPasswordHash(user.id, await hashPassword(input.password, this.deps.scrypt));
    }
    return this.deps.sessions.create(user.id, deviceName);
  }
}

/**
 * [AUTH-14] Checks the caller's current password (a login attempt for the limiter: AUTH-10/11 apply, so a stolen
 * token cannot be used to guess the password faster than the login endpoint allows), applies AUTH-2 to the new one
 * and stores its hash. With `closeOtherSessions` every other device of the account is revoked (their sockets close
 * with 4401); the caller's own session stays. Returns the revoked devices.
 */
export async function changePassword(
  deps: AccountServiceDeps,
  auth: AuthContext,
  input: ChangePasswordInput,
  address: string,
): Promise<DeviceId[]> {
  const user = await verifyOwnPassword(deps, auth, input.currentPassword, address);
  const weak = passwordProblem(input.newPassword, user.username);
  if (weak !== null) throw new ServiceError(ErrorCode.WeakPassword, weak);
  const hash = await hashPassword(input.newPassword, deps.scrypt);
  deps.users.setPasswordHash(user.id, hash);
  return input.closeOtherSessions ? deps.sessions.revokeAll(user.id, auth.deviceId) : [];
}

/**
 * The caller proves they know the account's password (AUTH-14, ACCOUNT-1): charged to the login limiter like a login
 * of their username from their address; a wrong password is 403 `forbidden` (not 401: the session is fine, and a
 * client must not take it for a dead token and log out).
 */
export async function verifyOwnPassword(
  deps: AccountServiceDeps,
  auth: AuthContext,
  password: string,
  address: string,
): Promise<UserRow> {
  const user = deps.users.byId(auth.userId);
  if (user === null) throw new ServiceError(ErrorCode.Unauthorized, 'session is not valid');
  const decision = deps.loginLimiter.attempt(user.username, address);
  if (!decision.allowed) throw rateLimited(decision.retryAfterMs);
  if (!(await verifyPassword(password, user.passwordHash))) {
    throw new ServiceError(ErrorCode.Forbidden, 'the current password is wrong');
  }
  deps.loginLimiter.succeeded(user.username, address);
  return user;
}

function taken(): ServiceError {
  return new ServiceError(ErrorCode.Conflict, 'username is taken');
}

function checkDeviceName(raw: string | undefined): string {
  const name = (raw ?? DEFAULT_DEVICE_NAME).trim();
  const problem = labelProblem(name, 'deviceName', DEVICE_NAME_MAX);
  if (problem !== null) throw new ServiceError(ErrorCode.BadRequest, problem);
  return name;
}
