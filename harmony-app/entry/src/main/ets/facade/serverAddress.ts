/*
 * The sync server's address, set on the login page and kept per install (HAPP-SERVER-1). The app used to compile in a
 * LAN address on the wrong port; now the user types it, and it is checked before anything is sent there.
 */
import type { DeviceSettings } from './appPlatform';
import { Refusal } from './refusal';

/**
 * The sync server's default port (sync-server `DEFAULT_PORT`) on the board's loopback: with the board on USB,
 * `hdc rport tcp:1234 tcp:1234` makes it the development machine's server, so a fresh install reaches `npm start`
 * without typing anything. Any other deployment sets its address on the login page.
 */
export const DEFAULT_SERVER_URL = 'http://127.0.0.1:1234';

/** Settings key (device file, per install) of the address the user set. */
export const SERVER_URL_KEY = 'serverUrl';

/** Why an address was refused; the login page shows one string per value. */
export enum ServerAddressFailure {
  Empty = 0,
  /** Not a URL, or no host. */
  Malformed = 1,
  /** A scheme other than http, https, ws, wss. */
  Scheme = 2,
}

export class ServerAddressError extends Refusal<ServerAddressFailure> {
  constructor(failure: ServerAddressFailure, message: string) {
    super('ServerAddressError', failure, message);
  }
}

/** scheme://host[:port][/path], host an IPv4/DNS name or a bracketed IPv6 literal. No global URL in API 12. */
const ADDRESS = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*)(?::(\d{1,5}))?(\/[^\s?#]*)?$/;

/**
 * The address client-core is given for `input`: trimmed, without a trailing slash, ws/wss written as http/https
 * (client-core derives the socket URL from the HTTP one). Throws a ServerAddressError for anything else.
 */
export function normalizeServerUrl(input: string): string {
  const text = input.trim();
  if (text.length === 0) throw new ServerAddressError(ServerAddressFailure.Empty, 'enter the server address');
  const m = ADDRESS.exec(text);
  if (m === null) throw new ServerAddressError(ServerAddressFailure.Malformed, `not a server address: ${text}`);
  const scheme = (m[1] ?? '').toLowerCase();
  const http = scheme === 'http' || scheme === 'ws' ? 'http' : scheme === 'https' || scheme === 'wss' ? 'https' : '';
  if (http.length === 0) throw new ServerAddressError(ServerAddressFailure.Scheme, `use http, https, ws or wss, not ${scheme}`);
  const port = m[3];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
    throw new ServerAddressError(ServerAddressFailure.Malformed, `no such port: ${port}`);
  }
  const host = (m[2] ?? '').toLowerCase();
  const rest = (m[4] ?? '').replace(/\/+$/, '');
  return `${http}://${host}${port === undefined ? '' : `:${port}`}${rest}`;
}

/** An IPv4 dotted quad as its four numbers, or null. */
function ipv4Parts(host: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (m === null) return null;
  const parts: number[] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
  for (const p of parts) if (p > 255) return null;
  return parts;
}

/**
 * [HAPP-SERVER-2] Whether `host` (as in a normalized address: lower case, IPv6 in brackets) is this device or the
 * local network: localhost, 127/8, 10/8, 172.16/12, 192.168/16, link-local 169.254/16, IPv6 ::1, fe80::/10 and
 * unique-local fc00::/7, and mDNS names under .local. Anything else may be reached across networks nobody controls.
 */
export function isLocalHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost') || h.endsWith('.local')) return true;
  const v4 = ipv4Parts(h);
  if (v4 !== null) {
    const a = v4[0] ?? -1;
    const b = v4[1] ?? -1;
    return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
  }
  if (h.startsWith('[') && h.endsWith(']')) {
    const v6 = h.slice(1, -1);
    if (v6 === '::1') return true;
    const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(v6);
    if (mapped !== null) return isLocalHost(mapped[1] ?? '');
    const first = parseInt(v6.split(':')[0] ?? '', 16);
    if (Number.isNaN(first)) return false;
    // fe80::/10 link-local, fc00::/7 unique-local.
    return (first & 0xffc0) === 0xfe80 || (first & 0xfe00) === 0xfc00;
  }
  return false;
}

/**
 * [HAPP-SERVER-2] Whether the login page warns about `input`: a well-formed plain-http (or ws) address of a host
 * off the local network, where passwords and session tokens would cross other people's networks in clear. A
 * malformed address gets its own refusal instead, and https/wss never warn.
 */
export function warnsCleartext(input: string): boolean {
  let url: string;
  try {
    url = normalizeServerUrl(input);
  } catch (err) {
    return false;
  }
  if (!url.startsWith('http://')) return false;
  const m = /^http:\/\/(\[[^\]]+\]|[^:/]+)/.exec(url);
  return m !== null && !isLocalHost(m[1] ?? '');
}

/** The address to start with: the one the user set on this install, else DEFAULT_SERVER_URL. */
export async function storedServerUrl(settings: DeviceSettings): Promise<string> {
  const stored = await settings.getText(SERVER_URL_KEY);
  return stored.length > 0 ? stored : DEFAULT_SERVER_URL;
}
