/**
 * The attachment routes' HTTP plumbing (BLOB-1/2/6, UPLOAD-1..4): requests with bytes or JSON, answers read as JSON
 * through the protocol's parsers, refusals as `{code, message}` (HTTP-2). A request that never got an answer is
 * status 0.
 */
import { parseErrorBody } from '@concord/protocol';
import { ClientErrorCode } from '../errors.js';
import type { FetchLike, FetchResponseLike } from '../platform.js';

/**
 * The seam's `FetchLike` types its body as text because every other call sends JSON. W3C fetch (browsers, Node,
 * what web-client passes) sends a Uint8Array body as raw bytes; a platform fetch that only speaks text needs a byte
 * path before it can upload attachments.
 */
export type BytesFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: Uint8Array | string },
) => Promise<FetchResponseLike>;

export interface WireAnswer {
  readonly status: number;
  /** The parsed JSON body of a 2xx answer (null when there is none or it is not JSON). */
  readonly json: unknown;
  /** A refusal's code and message (HTTP-2), or ones made from the status. */
  readonly code: string;
  readonly message: string;
}

export class Wire {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly fetch: FetchLike,
  ) {}

  /** One request; never throws (an unreachable server is status 0, code `network`). */
  async send(method: string, path: string, body?: Uint8Array | object, headers: Record<string, string> = {}): Promise<WireAnswer> {
    const h: Record<string, string> = { authorization: `Bearer ${this.token}`, ...headers };
    let payload: Uint8Array | string | undefined;
    if (body instanceof Uint8Array) payload = body;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      h['content-type'] = 'application/json';
    }
    try {
      const res = await (this.fetch as unknown as BytesFetch)(this.baseUrl + path, { method, headers: h, ...(payload === undefined ? {} : { body: payload }) });
      const text = await readText(res);
      const json = parseJson(text);
      if (res.status >= 200 && res.status < 300) return { status: res.status, json, code: '', message: '' };
      const err = parseErrorBody(json);
      return { status: res.status, json: null, code: err?.code ?? `http_${res.status}`, message: err?.message ?? `HTTP ${res.status}` };
    } catch (err) {
      return { status: 0, json: null, code: ClientErrorCode.Network, message: err instanceof Error ? err.message : String(err) };
    }
  }

  /** A GET whose bytes are wanted (BLOB-2/6); throws when the server cannot be reached or the body breaks off. */
  async getBytes(path: string, headers: Record<string, string> = {}): Promise<FetchResponseLike> {
    return this.fetch(this.baseUrl + path, { method: 'GET', headers: { authorization: `Bearer ${this.token}`, ...headers } });
  }
}

async function readText(res: FetchResponseLike): Promise<string> {
  try {
    return await res.text();
  } catch {
    // No body: the status says enough.
    return '';
  }
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** The server's `{"error": {code, message}}` of a response not read yet (HTTP-2), or a code made from the status. */
export async function errorOf(res: FetchResponseLike): Promise<{ code: string; message: string }> {
  const err = parseErrorBody(parseJson(await readText(res)));
  return { code: err?.code ?? `http_${res.status}`, message: err?.message ?? `HTTP ${res.status}` };
}

/** Read a body we do not need, so the connection can be reused. */
export async function drain(res: FetchResponseLike): Promise<void> {
  await readText(res);
}
