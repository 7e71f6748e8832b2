/* HAPP-SERVER-2: the login page warns about plain HTTP to a server off the local network. */
import { describe, expect, it } from 'vitest';
import { isLocalHost, warnsCleartext } from '../entry/src/main/ets/facade/serverAddress';

describe('HAPP-SERVER-2: local addresses and the cleartext warning', () => {
  it('HAPP-SERVER-2 classifies loopback, private, link-local and .local hosts as local', () => {
    for (const host of ['localhost', 'LOCALHOST', 'chat.localhost', '127.0.0.1', '127.9.8.7', '10.0.0.5', '172.16.0.1', '172.31.255.255',
      '192.168.1.20', '169.254.3.4', 'board.local', 'board.local.', '[::1]', '[fe80::1]', '[fd12:3456::7]', '[::ffff:192.168.1.2]']) {
      expect(isLocalHost(host), host).toBe(true);
    }
    for (const host of ['8.8.8.8', '172.15.0.1', '172.32.0.1', '192.169.1.1', '11.0.0.1', '169.255.0.1', '1.2.3.4', 'example.org',
      'local.example.org', 'localhost.example.org', '[2001:db8::1]', '[::ffff:8.8.8.8]', '256.1.1.1', '10.0.0']) {
      expect(isLocalHost(host), host).toBe(false);
    }
  });

  it('HAPP-SERVER-2 warns for http and ws to a host off the local network, never for https, local hosts or malformed input', () => {
    expect(warnsCleartext('http://chat.example.org:1234')).toBe(true);
    expect(warnsCleartext('ws://8.8.8.8')).toBe(true);
    expect(warnsCleartext('  HTTP://Chat.Example.org/  ')).toBe(true);
    expect(warnsCleartext('https://chat.example.org')).toBe(false);
    expect(warnsCleartext('wss://chat.example.org')).toBe(false);
    expect(warnsCleartext('http://192.168.1.20:1234')).toBe(false);
    expect(warnsCleartext('http://127.0.0.1:1234')).toBe(false);
    expect(warnsCleartext('http://[fe80::1]:1234')).toBe(false);
    expect(warnsCleartext('')).toBe(false);
    expect(warnsCleartext('not an address')).toBe(false);
    expect(warnsCleartext('ftp://example.org')).toBe(false);
  });
});
