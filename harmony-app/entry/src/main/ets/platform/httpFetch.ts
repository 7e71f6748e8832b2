/*
 * client-core's `fetch` seam on `@ohos.net.http` (there is no global fetch in ArkTS). One HttpRequest object per
 * request and destroy() after it, as the module requires (reference §3). Network failures reject, like fetch; HTTP
 * errors resolve with their status, like fetch.
 *
 * Bytes both ways (HAPP-ATTACH-1, for attachments: ATTACH-1/2, BLOB-1/2):
 *  - a Uint8Array or ArrayBuffer body goes as an ArrayBuffer `extraData` (the raw body; a Uint8Array would be an
 *    Object to the native side, which is not sent as its bytes), with the caller's Content-Type (the blob's mime;
 *    `application/octet-stream` when the caller gave none). String bodies (JSON) go as before.
 *  - every response is asked for as `HttpDataType.ARRAY_BUFFER`: the caller's request does not say whether it will
 *    read text or bytes (client-core's blob GET carries only the bearer token), so the bytes are kept and `text()`
 *    decodes them as UTF-8 with the decoder given, `arrayBuffer()` hands out a copy. A native
 *    side that answers with a string anyway (resultType STRING) still serves `text()` as before; `arrayBuffer()` then
 *    rejects, because the string cannot be turned back into the exact bytes.
 *
 * Size (HAPP-ATTACH-3): before API 23 `request()` receives at most 5 MB whatever `maxLimit` says (reference §3), so
 * on the API 12 baseline (DAYU200, OpenHarmony 5.0.0) an attachment download over ~5 MB would fail. So every GET
 * (the requests with no body: blob downloads, BLOB-2, and the few JSON reads) goes through `requestInStream`
 * (API 10): the body arrives in 'dataReceive' chunks, gathered here up to MAX_RESPONSE_BYTES (more is cut off and
 * rejected), complete once the promise gave the response code and 'dataEnd' came. Requests with a body (JSON calls,
 * uploads) keep `request()`, whose `maxLimit` (API 11) is raised to MAX_RESPONSE_BYTES; their answers are small.
 * The server's blob GET ignores Range (BLOB-2), so ranged requests were not an option.
 */
import type http from '@ohos.net.http';
import { MAX_ATTACHMENT_BYTES } from '@concord/client-core';
import { receiveInStream, type StreamingRequest } from './httpStream';

/** What the adapter reads of `http.HttpResponse` (a real response is one). */
export interface HttpResponseLike {
  result: string | Object | ArrayBuffer;
  responseCode: number;
}

/**
 * The part of `http.HttpRequest` the adapter calls, with the SDK's own signatures (a real HttpRequest is one):
 * `request` for calls with a body, the streamed GET of httpStream.ts, `destroy`.
 */
export interface HttpRequestLike extends StreamingRequest {
  request(url: string, options?: http.HttpRequestOptions): Promise<HttpResponseLike>;
  destroy(): void;
}

export interface HttpModule {
  createHttp(): HttpRequestLike;
}

/** UTF-8 bytes to text (`@ohos.util`'s TextDecoder on a device, see textCodecs.ts; the WHATWG one in Node tests). */
export type Utf8Decode = (bytes: Uint8Array) => string;

export class FetchInit {
  method?: string;
  headers?: Record<string, string>;
  /** JSON text, or raw bytes (attachment uploads). */
  body?: string | Uint8Array | ArrayBuffer;
}

export class FetchResponse {
  readonly status: number;
  private readonly body: string | ArrayBuffer;
  private readonly decode: Utf8Decode;
  constructor(
    status: number,
    body: string | ArrayBuffer,
    decode: Utf8Decode,
  ) {
    this.status = status;
    this.body = body;
    this.decode = decode;
  }
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  text(): Promise<string> {
    if (typeof this.body === 'string') return Promise.resolve(this.body);
    try {
      return Promise.resolve(this.body.byteLength === 0 ? '' : this.decode(new Uint8Array(this.body)));
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }
  /** The body's bytes (a copy: each call may be given away). */
  arrayBuffer(): Promise<ArrayBuffer> {
    if (typeof this.body === 'string') {
      // Empty is empty either way; other text cannot be turned back into the exact bytes it came from.
      if (this.body.length === 0) return Promise.resolve(new ArrayBuffer(0));
      return Promise.reject(new Error('the HTTP response came as text, not bytes (expectDataType ARRAY_BUFFER not honoured)'));
    }
    return Promise.resolve(this.body.slice(0));
  }
}

/** JSON calls keep their 15 s; a body of bytes (up to 25 MiB) gets time to go out on a slow link. */
const TIMEOUT_MS = 15_000;
const BINARY_BODY_TIMEOUT_MS = 120_000;
/** Largest response accepted: an attachment plus room; under the module's 100 MiB ceiling. */
export const MAX_RESPONSE_BYTES = MAX_ATTACHMENT_BYTES + 1024 * 1024;
// The enum lives on the native module object, which platform code receives injected; the values are the SDK's.
const ARRAY_BUFFER = 2 as http.HttpDataType;

/** A body of bytes as the exact ArrayBuffer the native side sends raw (a view's own range, not its whole buffer). */
function rawBody(body: Uint8Array | ArrayBuffer): ArrayBuffer {
  if (body instanceof ArrayBuffer) return body;
  return body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

/** A blob's path (BLOB-2): its download may take long on a slow link. */
const BLOB_URL = /\/blobs\/[0-9a-f]{64}$/;

export function ohosFetch(module: HttpModule, decode: Utf8Decode): (url: string, init?: FetchInit) => Promise<FetchResponse> {
  return async (url: string, init?: FetchInit): Promise<FetchResponse> => {
    const body = init?.body;
    const binary = body !== undefined && typeof body !== 'string';
    // A copy: the caller's headers are not changed.
    const header: Record<string, string> = {};
    const given = init?.headers;
    if (given !== undefined) {
      for (const k of Object.keys(given)) {
        const v = given[k];
        if (v !== undefined) header[k] = v;
      }
    }
    if (binary && !hasHeader(header, 'content-type')) header['content-type'] = 'application/octet-stream';
    const method = init?.method ?? 'GET';
    const req = module.createHttp();
    try {
      if (method === 'GET' && body === undefined) {
        const timeout = BLOB_URL.test(url) ? BINARY_BODY_TIMEOUT_MS : TIMEOUT_MS;
        const got = await receiveInStream(req, url, header, timeout, MAX_RESPONSE_BYTES);
        return new FetchResponse(got.status, got.body, decode);
      }
      const res = await req.request(url, {
        method: (init?.method ?? 'GET') as http.RequestMethod,
        header,
        extraData: body === undefined || typeof body === 'string' ? body : rawBody(body),
        expectDataType: ARRAY_BUFFER,
        maxLimit: MAX_RESPONSE_BYTES,
        connectTimeout: TIMEOUT_MS,
        readTimeout: binary ? BINARY_BODY_TIMEOUT_MS : TIMEOUT_MS,
      });
      const result = res.result;
      const kept = result instanceof ArrayBuffer ? result : typeof result === 'string' ? result : JSON.stringify(result);
      return new FetchResponse(res.responseCode, kept, decode);
    } finally {
      req.destroy();
    }
  };
}
