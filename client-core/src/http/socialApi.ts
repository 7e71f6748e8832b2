/**
 * The social routes (SPEC GROUP-*, CONTACT-*, BLOCK-1, PRIVACY-*, PROFILE-1) over the one HTTP client (PROTO-2):
 * JSON answers are read by the protocol's parsers, 204 answers by their status.
 */
import type { FoundUser, FriendRequestBody, FriendRequestResult, PrivacySettings, PrivacyUpdate, Profile, ProfileUpdate } from '@concord/protocol';
import { HttpError } from '../errors.js';
import type { FetchLike, FetchResponseLike } from '../platform.js';
import type { HttpApi } from './api.js';

const enc = encodeURIComponent;

export class SocialApi {
  constructor(
    private readonly http: HttpApi,
    private readonly baseUrl: string,
    private readonly fetchFn: FetchLike,
  ) {}

  /** [PROFILE-3] A user's avatar bytes, or null when they have none (404). */
  async avatar(token: string, userId: string): Promise<Uint8Array | null> {
    let res: FetchResponseLike;
    try {
      res = await this.fetchFn(`${this.baseUrl}/v1/users/${enc(userId)}/avatar`, { method: 'GET', headers: { authorization: `Bearer ${token}` } });
    } catch (err) {
      throw new HttpError('network', `cannot reach the server: ${err instanceof Error ? err.message : String(err)}`, 0);
    }
    if (res.status === 404) return null;
    if (!res.ok || res.arrayBuffer === undefined) throw new HttpError(`http_${res.status}`, `avatar: HTTP ${res.status}`, res.status);
    return new Uint8Array(await res.arrayBuffer());
  }

  // Groups (GROUP-2..GROUP-4).
  updateGroup(token: string, conversationId: string, change: { title?: string; avatar?: string | null }): Promise<unknown> {
    return this.http.call('PUT', `/v1/conversations/${enc(conversationId)}`, token, change);
  }

  addMembers(token: string, conversationId: string, members: readonly string[]): Promise<unknown> {
    return this.http.call('POST', `/v1/conversations/${enc(conversationId)}/members`, token, { members });
  }

  setRole(token: string, conversationId: string, userId: string, role: 'admin' | 'member'): Promise<unknown> {
    return this.http.call('PUT', `/v1/conversations/${enc(conversationId)}/members/${enc(userId)}/role`, token, { role });
  }

  transferOwnership(token: string, conversationId: string, userId: string): Promise<unknown> {
    return this.http.call('POST', `/v1/conversations/${enc(conversationId)}/owner`, token, { userId });
  }

  // Contacts and blocks (CONTACT-*, BLOCK-1).
  request(token: string, body: FriendRequestBody): Promise<FriendRequestResult> {
    return this.http.json('POST /v1/contacts/requests', '/v1/contacts/requests', token, body);
  }

  answer(token: string, userId: string, how: 'accept' | 'decline'): Promise<unknown> {
    return this.http.call('POST', `/v1/contacts/requests/${enc(userId)}/${how}`, token, null);
  }

  cancel(token: string, userId: string): Promise<unknown> {
    return this.http.call('DELETE', `/v1/contacts/requests/${enc(userId)}`, token, null);
  }

  removeContact(token: string, userId: string): Promise<unknown> {
    return this.http.call('DELETE', `/v1/contacts/${enc(userId)}`, token, null);
  }

  block(token: string, userId: string, blocked: boolean): Promise<unknown> {
    return this.http.call(blocked ? 'PUT' : 'DELETE', `/v1/blocks/${enc(userId)}`, token, null);
  }

  // Settings, profile and the add-friend code (PRIVACY-*, PROFILE-1, CONTACT-5).
  privacy(token: string, change: PrivacyUpdate): Promise<PrivacySettings> {
    return this.http.json('PUT /v1/me/privacy', '/v1/me/privacy', token, change);
  }

  profile(token: string, change: ProfileUpdate): Promise<Profile> {
    return this.http.json('PUT /v1/me/profile', '/v1/me/profile', token, change);
  }

  async addCode(token: string, rotate: boolean): Promise<string> {
    const route = rotate ? 'POST /v1/me/code' : 'GET /v1/me/code';
    return (await this.http.json(route, '/v1/me/code', token, null)).code;
  }

  async resolveCode(token: string, code: string): Promise<FoundUser | null> {
    try {
      return await this.http.json('GET /v1/codes/:code', `/v1/codes/${enc(code)}`, token, null);
    } catch (err) {
      if (err instanceof HttpError && err.status === 404) return null;
      throw err;
    }
  }
}
