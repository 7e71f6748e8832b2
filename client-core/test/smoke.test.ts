import { expect, test } from 'vitest';
import { PROTOCOL_VERSION } from '@concord/client-core/protocol';
test('resolves workspace sources', () => { expect(PROTOCOL_VERSION).toBe(1); });
