/*
 * HAPP-PRIV-1: the app asks for what it uses and its privacy notice says what it does, in both languages. The app has
 * no voice recorder and no contacts: no MICROPHONE permission, and the notice promises neither; it names what the
 * server and this device keep (messages, pictures, chat list, drafts, receipts, the device's model name).
 */
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const main = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../entry/src/main');

function strings(lang: string): Map<string, string> {
  const file = path.join(main, 'resources', lang, 'element/string.json');
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { string: { name: string; value: string }[] };
  return new Map(parsed.string.map((s) => [s.name, s.value]));
}

/** module.json5's requested permission names (its `//` comments removed; no string in it holds `//` but URLs). */
function requestedPermissions(): string[] {
  const src = fs.readFileSync(path.join(main, 'module.json5'), 'utf8').replace(/^\s*\/\/.*$/gm, '');
  return [...src.matchAll(/"name":\s*"(ohos\.permission\.[A-Z_]+)"/g)].map((m) => m[1]!).sort();
}

describe('HAPP-PRIV-1: permissions and the privacy notice match what the app does', () => {
  it('HAPP-PRIV-1 requests only INTERNET and GET_NETWORK_INFO', () => {
    expect(requestedPermissions()).toEqual(['ohos.permission.GET_NETWORK_INFO', 'ohos.permission.INTERNET']);
  });

  it('HAPP-PRIV-1 the notice promises no microphone, voice recording or contacts, in English and Chinese', () => {
    const en = strings('base').get('privacy_body') ?? '';
    const zh = strings('zh_CN').get('privacy_body') ?? '';
    expect(en).not.toMatch(/microphone|voice|contact/i);
    expect(zh).not.toMatch(/麦克风|语音|联系人|通讯录/);
    for (const said of [/messages/i, /pictures/i, /drafts/i, /read receipts/i, /model name/i]) expect(en).toMatch(said);
    for (const said of ['消息', '图片', '草稿', '已读回执', '型号名称']) expect(zh).toContain(said);
    expect(strings('base').has('mic_reason')).toBe(false);
    expect(strings('zh_CN').has('mic_reason')).toBe(false);
  });
});
