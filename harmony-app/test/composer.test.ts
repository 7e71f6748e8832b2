/*
 * HAPP-COMPOSE-1: the chat composer takes as much text as one message may carry, client-core's MAX_MESSAGE_LENGTH
 * (8,000), through the facade's constant rather than a literal in the page. The page is not rendered here, so its
 * source is read: the TextArea's maxLength must be that constant.
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_MESSAGE_LENGTH } from '@concord/client-core';
import { COMPOSER_MAX_LENGTH } from '../entry/src/main/ets/facade/limits';

const chatPage = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../entry/src/main/ets/pages/Chat.ets');

describe('HAPP-COMPOSE-1: the composer allows what a message allows', () => {
  it('HAPP-COMPOSE-1 caps the composer at MAX_MESSAGE_LENGTH through COMPOSER_MAX_LENGTH', () => {
    expect(MAX_MESSAGE_LENGTH).toBe(8000);
    expect(COMPOSER_MAX_LENGTH).toBe(MAX_MESSAGE_LENGTH);
    const src = fs.readFileSync(chatPage, 'utf8');
    const caps = [...src.matchAll(/\.maxLength\(([^)]*)\)/g)].map((m) => m[1]!.trim());
    expect(caps).toEqual(['COMPOSER_MAX_LENGTH']);
  });
});
