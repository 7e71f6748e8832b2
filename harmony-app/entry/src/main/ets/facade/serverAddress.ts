/*
 * The sync server's address, set on the login page and kept per install (HAPP-SERVER-1). The app used to compile in a
 * LAN address on the wrong port; now the user types it, and it is checked before anything is sent there.
 */
import type { DeviceSettings } from './ConcordApp';

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

export class ServerAddressError extends Error {
  readonly failure: ServerAddressFailure;
  constructor(failure: ServerAddressFailure, message: string) {
    super(message);
    this.name = 'ServerAddressError';
    this.failure = failure;
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

/** The address to start with: the one the user set on this install, else DEFAULT_SERVER_URL. */
export async function storedServerUrl(settings: DeviceSettings): Promise<string> {
  const stored = await settings.getText(SERVER_URL_KEY);
  return stored.length > 0 ? stored : DEFAULT_SERVER_URL;
}
