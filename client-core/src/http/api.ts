/**
 * The accounts HTTP API (SPEC.md HTTP-*): JSON in, JSON out, `{"error":{"code","message"}}` on failure. Requests and
 * answers are @concord/protocol's types, and every answer is read through the protocol's parser of its route.
 * Every failure becomes an HttpError; a network failure has status 0 and code `network`.
 */
import {
  parseErrorBody,
  type BlobStored,
  parseResponse,
  type ConversationListing,
  type CreateConversationRequest,
  type DeviceId,
  type DeviceSession,
  type JsonRoute,
  type LoginRequest,
  type MeResponse,
  type PresenceVisibility,
  type RegisterRequest,
  type RequestOf,
  type ResponseOf,
  type UserId,
} from '@concord/protocol';
import { HttpError } from '../errors.js';
import type { FetchLike } from '../platform.js';

export interface SessionInfo {
  readonly userId: UserId;
  readonly deviceId: DeviceId;
  readonly token: string;
}

export interface UserInfo {
  readonly userId: UserId;
  readonly username: string;
  readonly displayName: string;
}

/** One device session of the account (GET /v1/sessions): the protocol's DeviceSession. */
export type DeviceInfo = DeviceSession;

export class HttpApi {
  constructor(
    private readonly baseUrl: string,
    private readonly fetchFn: FetchLike,
  ) {}

  async register(username: string, password: string, displayName?: string, deviceName?: string): Promise<SessionInfo> {
    // The registering device is the account's first session: name it like a login would, or the devices list
    // shows it as a nameless "device".
    const body: RegisterRequest = { username, password, ...(displayName !== undefined ? { displayName } : {}), ...(deviceName !== undefined ? { deviceName } : {}) };
    return sessionOf(await this.json('POST /v1/accounts', '/v1/accounts', null, body));
  }

  async login(username: string, password: string, deviceName?: string): Promise<SessionInfo> {
    const body: LoginRequest = { username, password, ...(deviceName !== undefined ? { deviceName } : {}) };
    return sessionOf(await this.json('POST /v1/sessions', '/v1/sessions', null, body));
  }

  async listSessions(token: string): Promise<DeviceInfo[]> {
    return [...(await this.json('GET /v1/sessions', '/v1/sessions', token, null)).devices];
  }

  async revokeSession(token: string, deviceId: string): Promise<void> {
    await this.call('DELETE', `/v1/sessions/${encodeURIComponent(deviceId)}`, token, null);
  }

  /** POST /v1/me/password (AUTH-14): resolves with how many other devices were signed out. */
  async changePassword(token: string, currentPassword: string, newPassword: string, closeOtherSessions: boolean): Promise<number> {
    const res = await this.call('POST', '/v1/me/password', token, { currentPassword, newPassword, closeOtherSessions });
    if (!isObject(res) || typeof res['revokedDevices'] !== 'number') throw badResponse();
    return res['revokedDevices'];
  }

  /** DELETE /v1/me (ACCOUNT-1): the account, its devices and its own data are gone; the token with them. */
  async deleteAccount(token: string, password: string): Promise<void> {
    await this.call('DELETE', '/v1/me', token, { password });
  }

  /** GET /v1/me/export (EXPORT-1): the caller's data in the documented JSON format, parsed but not interpreted. */
  async exportData(token: string): Promise<Record<string, unknown>> {
    const res = await this.call('GET', '/v1/me/export', token, null);
    if (!isObject(res) || res['format'] !== 'concord-export') throw badResponse();
    return res;
  }

  /** GET /v1/me: the account behind the token. */
  async me(token: string): Promise<MeResponse> {
    return this.json('GET /v1/me', '/v1/me', token, null);
  }

  async findUser(token: string, username: string): Promise<UserInfo | null> {
    try {
      return await this.json('GET /v1/users', `/v1/users?username=${encodeURIComponent(username)}`, token, null);
    } catch (err) {
      if (err instanceof HttpError && err.status === 404) return null;
      throw err;
    }
  }

  async createConversation(
    token: string,
    kind: 'direct' | 'group',
    members: readonly string[],
    title?: string,
  ): Promise<string> {
    const body: CreateConversationRequest = { kind, members, ...(title !== undefined ? { title } : {}) };
    return (await this.json('POST /v1/conversations', '/v1/conversations', token, body)).conversationId;
  }

  /** GET /v1/conversations: the caller's conversations as the server lists them, with members' names. */
  async listConversations(token: string): Promise<readonly ConversationListing[]> {
    return (await this.json('GET /v1/conversations', '/v1/conversations', token, null)).conversations;
  }

  /** DELETE /v1/conversations/:id/members/:userId (HTTP-20; oneself: leaving). */
  async removeMember(token: string, conversationId: string, userId: string): Promise<void> {
    await this.call('DELETE', `/v1/conversations/${encodeURIComponent(conversationId)}/members/${encodeURIComponent(userId)}`, token, null);
  }

  /** POST /v1/conversations/:id/leave (HTTP-21). */
  async leaveConversation(token: string, conversationId: string): Promise<void> {
    await this.call('POST', `/v1/conversations/${encodeURIComponent(conversationId)}/leave`, token, null);
  }

  /** [PRES-3] Who may see whether this account is online. */
  async presenceVisibility(token: string): Promise<PresenceVisibility> {
    return (await this.json('GET /v1/me/presence', '/v1/me/presence', token, null)).visibility;
  }

  async setPresenceVisibility(token: string, visibility: PresenceVisibility): Promise<PresenceVisibility> {
    return (await this.json('PUT /v1/me/presence', '/v1/me/presence', token, { visibility })).visibility;
  }

  /**
   * [ACT-8] POST /v1/conversations/:to/blobs/:blobId/link: give conversation `to` the blob that `from` holds, without
   * sending its bytes (forwarding an attachment). The caller is a member of both.
   */
  async linkBlob(token: string, to: string, blobId: string, from: string): Promise<BlobStored> {
    const path = `/v1/conversations/${encodeURIComponent(to)}/blobs/${encodeURIComponent(blobId)}/link`;
    return this.json('POST /v1/conversations/:conversationId/blobs/:blobId/link', path, token, { from });
  }

  /**
   * A call to a JSON route, its answer read by the route's parser (`bad_response` when it has another shape). Public
   * for the route families kept in their own modules (socialApi.ts).
   */
  async json<R extends JsonRoute>(route: R, path: string, token: string | null, body: RequestOf<R>): Promise<ResponseOf<R>> {
    const parse: (json: unknown) => ResponseOf<R> | null = parseResponse[route];
    const value = parse(await this.call(route.slice(0, route.indexOf(' ')), path, token, body));
    if (value === null) throw new HttpError('bad_response', `unexpected answer to ${route}`, 200);
    return value;
  }

  /** A call whose answer is only its status (204 routes); failures are HttpErrors as for `json`. */
  async call(method: string, path: string, token: string | null, body: object | null): Promise<unknown> {
    const headers: Record<string, string> = {};
    if (body !== null) headers['content-type'] = 'application/json';
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    let status: number;
    let text: string;
    try {
      const init: { method: string; headers: Record<string, string>; body?: string } = { method, headers };
      if (body !== null) init.body = JSON.stringify(body);
      const res = await this.fetchFn(this.baseUrl + path, init);
      status = res.status;
      text = await res.text();
    } catch (err) {
      throw new HttpError('network', `cannot reach the server: ${err instanceof Error ? err.message : String(err)}`, 0);
    }
    let parsed: unknown = null;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text) as unknown;
      } catch {
        throw new HttpError('bad_response', `server answered ${status} with non-JSON`, status);
      }
    }
    if (status >= 200 && status < 300) return parsed;
    const err = parseErrorBody(parsed);
    throw new HttpError(err?.code ?? `http_${status}`, err?.message ?? `HTTP ${status}`, status);
  }
}

function sessionOf(issued: ResponseOf<'POST /v1/sessions'>): SessionInfo {
  // The stored session keeps what the socket and the API need; the token's expiry slides with use (AUTH-6).
  return { userId: issued.userId, deviceId: issued.deviceId, token: issued.token };
}

// The account-lifecycle routes (AUTH-14, ACCOUNT-1, EXPORT-1) are not in the protocol's route table yet: their
// answers are checked here.
function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function badResponse(): HttpError {
  return new HttpError('bad_response', 'unexpected response from the server', 200);
}
