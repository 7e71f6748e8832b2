/** Helpers of the social tests (groups, contacts, profiles): JSON calls as an account, and a doc as a device sees it. */
import type * as Y from 'yjs';
import { asConversationId, asUserId, convDocName, userDocName } from '@concord/protocol';
import { afterAll, beforeAll } from 'vitest';
import { MuxClient, openDoc, removeDir, startTestServer, type Account, type TestServer } from './syncHarness.js';

export interface Answer {
  readonly status: number;
  // The tests look into refusal and success bodies alike; their shapes are checked by the assertions.
  readonly body: { error?: { code: string; message: string } } & Record<string, unknown>;
}

export async function call(srv: TestServer, method: string, path: string, who: Account | null, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (who !== null) headers['authorization'] = `Bearer ${who.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${srv.http}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Answer['body']) };
}

/** The doc as a device of `who` syncs it now, over a fresh socket (the mirror is written before every answer). */
export async function docOf(srv: TestServer, who: Account, doc: string): Promise<Y.Doc> {
  const { client } = await MuxClient.connect(srv.ws, who.token);
  try {
    return await openDoc(client, doc);
  } finally {
    client.close();
  }
}

/** A root of a doc as plain JSON. */
export function rootJson(ydoc: Y.Doc, root: string): Record<string, unknown> {
  return ydoc.getMap<unknown>(root).toJSON() as Record<string, unknown>;
}

/** Doc names from the harness's plain-string ids. */
export const userDoc = (who: Account): string => userDocName(asUserId(who.userId));
export const convDoc = (conversationId: string): string => convDocName(asConversationId(conversationId));

/** A real server on port 0 for the file's tests: started before them, stopped and removed after. */
export function useTestServer(): { readonly srv: TestServer } {
  const holder: { srv: TestServer | null } = { srv: null };
  beforeAll(async () => {
    holder.srv = await startTestServer();
  });
  afterAll(async () => {
    if (holder.srv === null) return;
    await holder.srv.close();
    removeDir(holder.srv.dataDir);
  });
  return {
    get srv(): TestServer {
      if (holder.srv === null) throw new Error('the test server is not started yet');
      return holder.srv;
    },
  };
}
