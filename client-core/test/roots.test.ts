/**
 * [SCHEMA-ROOTS-1] client-core reads conv and user doc entries only through the protocol's table of roots
 * (roots.ts): take a root out of the table and its entries are read as nothing, as the server refuses them
 * (sync-server/test/roots.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CLIENT_ROOTS, CONV_EDITS, CONV_MESSAGES, encodeHlc, type ClientRoot, type Hlc } from '@concord/protocol';
import { readEdit, readMessages } from '../src/conversation/model.js';

const convRoots = CLIENT_ROOTS.conv as Record<string, ClientRoot<unknown>>;
const declared = { ...convRoots };

afterEach(() => {
  Object.assign(convRoots, declared);
});

function convDoc(): Y.Doc {
  const doc = new Y.Doc();
  const hlc: Hlc = encodeHlc(1_700_000_000_000, 0);
  doc.getMap(CONV_MESSAGES).set('alice.m1', { id: 'alice.m1', author: 'alice', hlc, type: 'text', body: 'hi' });
  doc.getMap(CONV_EDITS).set('alice.m1', { hlc, body: 'hello' });
  return doc;
}

describe('[SCHEMA-ROOTS-1] the client reads through the table', () => {
  it('[SCHEMA-ROOTS-1] a declared root is read with its reader; one missing from the table is read as nothing', () => {
    const doc = convDoc();
    expect(readMessages(doc).map((m) => m.entry.body)).toEqual(['hi']);
    expect(readEdit(doc, 'alice.m1')).toEqual({ body: 'hello', deleted: false, edited: true });
    delete convRoots[CONV_EDITS];
    delete convRoots[CONV_MESSAGES];
    expect(readEdit(doc, 'alice.m1')).toEqual({ deleted: false, edited: false });
    expect(readMessages(doc)).toEqual([]);
  });
});
