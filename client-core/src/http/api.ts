/**
 * The accounts HTTP API (SPEC.md HTTP-*): JSON in, JSON out, `{"error":{"code","message"}}` on failure.
 * Every failure becomes an HttpError; a network failure has status 0 and code `network`.
 */
import { HttpError } from '../errors.js';
import type { FetchLike } from '../platform.js';
import { asDeviceId, asUserId, type DeviceId, type UserId } from '../protocol/ids.js';

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

export interface DeviceInfo {
  readonly deviceId: string;
  readonly [field: string]: unknown;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export class HttpApi {
  constructor(
    private readonly baseUrl: string,
    private readonly fetchFn: FetchLike,
  ) {}

  async register(username: string, password: string, displayName?: string, deviceName?: string): Promise<SessionInfo> {
    const body: Record<string, Json> = { username, password };
    if (displayName !== undefined) body['displayName'] = displayName;
    // The registering device is the account's first session: name it like a login would, or the devices list
    // shows it as a nameless "device".
    if (deviceName !== undefined) body['deviceName'] = deviceName;
    return parseSession(await this.call('POST', '/v1/accounts', null, body));
  }

  async login(username: string, password: string, deviceName?: string): Promise<SessionInfo> {
    const body: Record<string, Json> = { username, password };
    if (deviceName !== undefined) body['deviceName'] = deviceName;
    return parseSession(await this.call('POST', '/v1/sessions', null, body));
  }

  async listSessions(token: string): Promise<DeviceInfo[]> {
    const res = await this.call('GET', '/v1/sessions', token, null);
    // The server answers `{devices: [...]}` (sync-server/src/http/routes.ts); fixed by web-client, whose devices
    // screen found the list always empty.
    const list = isObject(res) && Array.isArray(res['devices']) ? res['devices'] : isObject(res) && Array.isArray(res['sessions']) ? res['sessions'] : Array.isArray(res) ? res : [];
    return list.filter((d): d is DeviceInfo => isObject(d) && typeof d['deviceId'] === 'string') as DeviceInfo[];
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

  async findUser(token: string, username: string): Promise<UserInfo | null> {
    try {
      const res = await this.call('GET', `/v1/users?username=${encodeURIComponent(username)}`, token, null);
      if (!isObject(res) || typeof res['userId'] !== 'string') throw badResponse();
      return {
        userId: asUserId(res['userId']),
        username: typeof res['username'] === 'string' ? res['username'] : username,
        displayName: typeof res['displayName'] === 'string' ? res['displayName'] : username,
      };
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
    const body: Record<string, Json> = { kind, members: [...members] };
    if (title !== undefined) body['title'] = title;
    const res = await this.call('POST', '/v1/conversations', token, body);
    if (!isObject(res) || typeof res['conversationId'] !== 'string') throw badResponse();
    return res['conversationId'];
  }

  /** DELETE /v1/conversations/:id/members/:userId (HTTP-20; oneself: leaving). */
  async removeMember(token: string, conversationId: string, userId: string): Promise<void> {
    await this.call('DELETE', `/v1/conversations/${encodeURIComponent(conversationId)}/members/${encodeURIComponent(userId)}`, token, null);
  }

  /** POST /v1/conversations/:id/leave (HTTP-21). */
  async leaveConversation(token: string, conversationId: string): Promise<void> {
    await this.call('POST', `/v1/conversations/${encodeURIComponent(conversationId)}/leave`, token, null);
  }

  private async call(method: string, path: string, token: string | null, body: Json | null): Promise<unknown> {
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
    const err = isObject(parsed) && isObject(parsed['error']) ? parsed['error'] : {};
    throw new HttpError(
      typeof err['code'] === 'string' ? err['code'] : `http_${status}`,
      typeof err['message'] === 'string' ? err['message'] : `HTTP ${status}`,
      status,
    );
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function badResponse(): HttpError {
  return new HttpError('bad_response', 'unexpected response from the server', 200);
}

function parseSession(res: unknown): SessionInfo {
  if (!isObject(res) || typeof res['userId'] !== 'string' || typeof res['deviceId'] !== 'string' || typeof res['token'] !== 'string') {
    throw badResponse();
  }
  return { userId: asUserId(res['userId']), deviceId: asDeviceId(res['deviceId']), token: res['token'] };
}
