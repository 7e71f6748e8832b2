/**
 * [PROTO-1] The server answers every JSON route with exactly the shape @concord/protocol declares for it: the
 * protocol's parser accepts the answer and gives back the same value (no field missing from the type, none extra),
 * so client-core, which reads every answer with these parsers, and the server cannot drift apart unnoticed.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  parseErrorBody,
  parseResponse,
  type BlobStored,
  type ConversationListing,
  type ConversationMember,
  type JsonRoute,
} from '@concord/protocol';
import type { BlobView } from '../src/http/blobs.js';
import type { ConversationView, MemberView } from '../src/http/conversations.js';
import { api, createConversation, register, startServer, type Session, type TestServer } from './helpers/server.js';

// The route handlers answer these service views: if one stops fitting the protocol's type, its entry becomes
// `false` and this file stops compiling (npm run typecheck), before any request is made.
type Fits<A, B> = [A] extends [B] ? true : false;
export const viewsFit: [Fits<ConversationView, ConversationListing>, Fits<MemberView, ConversationMember>, Fits<BlobView, BlobStored>] = [
  true,
  true,
  true,
];

let srv: TestServer;
let alice: Session;
let bob: Session;

beforeAll(async () => {
  srv = await startServer();
  alice = await register(srv.url, 'contract-alice', { displayName: 'Alice', deviceName: 'laptop' });
  bob = await register(srv.url, 'contract-bob');
});
afterAll(async () => {
  await srv.stop();
});

/** Calls `route` and checks its answer has the status given and reads back, through the protocol, as itself. */
async function expectShape<R extends JsonRoute>(
  route: R,
  path: string,
  status: number,
  options: { token?: string; body?: unknown } = {},
): Promise<void> {
  const method = route.slice(0, route.indexOf(' '));
  const res = await api(srv.url, method, path, options);
  expect(res.status, `${route}: ${JSON.stringify(res.body)}`).toBe(status);
  const parse: (json: unknown) => unknown = parseResponse[route];
  expect(parse(res.body), route).toEqual(res.body);
}

describe('[PROTO-1] HTTP answers have the protocol types', () => {
  it('[PROTO-1] every JSON route answers the shape its protocol parser reads', async () => {
    await expectShape('GET /healthz', '/healthz', 200);
    await expectShape('POST /v1/accounts', '/v1/accounts', 201, { body: { username: 'contract-carol', password: 'pw-contract-carol-ok!' } });
    await expectShape('POST /v1/sessions', '/v1/sessions', 201, { body: { username: bob.username, password: bob.password } });
    await expectShape('GET /v1/sessions', '/v1/sessions', 200, { token: alice.token });
    await expectShape('GET /v1/me', '/v1/me', 200, { token: alice.token });
    await expectShape('GET /v1/users', `/v1/users?username=${bob.username}`, 200, { token: alice.token });
    await expectShape('POST /v1/conversations', '/v1/conversations', 201, {
      token: alice.token,
      body: { kind: 'group', members: [bob.userId], title: 'Contract' },
    });
    await expectShape('POST /v1/conversations', '/v1/conversations', 201, { token: alice.token, body: { kind: 'direct', members: [bob.userId] } });
    // The same direct chat again: 200 with created false (HTTP-10), the same shape.
    await expectShape('POST /v1/conversations', '/v1/conversations', 200, { token: bob.token, body: { kind: 'direct', members: [alice.userId] } });
    await expectShape('GET /v1/conversations', '/v1/conversations', 200, { token: alice.token });
    // Refresh last: it replaces bob's token.
    await expectShape('POST /v1/sessions/refresh', '/v1/sessions/refresh', 200, { token: bob.token });
  });

  it('[PROTO-1] an upload answers the protocol BlobStored', async () => {
    const conversationId = await createConversation(srv.url, alice.token, 'group', [bob.userId], 'Blobs');
    const bytes = new TextEncoder().encode('contract bytes');
    const blobId = createHash('sha256').update(bytes).digest('hex');
    const res = await fetch(`${srv.url}/v1/conversations/${conversationId}/blobs/${blobId}`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${alice.token}`, 'Content-Type': 'text/plain' },
      body: bytes,
    });
    expect(res.status).toBe(201);
    const body: unknown = await res.json();
    expect(parseResponse['PUT /v1/conversations/:conversationId/blobs/:blobId'](body)).toEqual(body);
  });

  it('[PROTO-1] a refusal reads as the protocol ErrorBody', async () => {
    const res = await api(srv.url, 'GET', '/v1/users?username=nobody-here', { token: alice.token });
    expect(res.status).toBe(404);
    expect(parseErrorBody(res.body)).toEqual({ code: 'not_found', message: expect.any(String) });
  });

  it('[PROTO-1] a body of another shape reads as null', () => {
    expect(parseResponse['GET /v1/me']({ userId: 'u1', username: 'a' })).toBeNull();
    expect(parseResponse['GET /v1/sessions']({ devices: [{ deviceId: 'd1' }] })).toBeNull();
    expect(parseResponse['GET /v1/conversations']({ conversations: [{ conversationId: 'c1', kind: 'channel' }] })).toBeNull();
    expect(parseErrorBody({ error: 'nope' })).toBeNull();
  });
});
