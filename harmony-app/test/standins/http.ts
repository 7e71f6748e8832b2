/*
 * Stand-in for `@ohos.net.http` on Node's http client: createHttp() objects that serve ONE request (a second
 * request() or requestInStream() on the same object rejects, as reusing it is unsupported) and must be destroy()ed;
 * expectDataType STRING (the default) gives result as text, ARRAY_BUFFER as an ArrayBuffer of the exact bytes
 * (resultType says which); connection failures reject with a BusinessError (2300007 couldn't connect).
 * extraData (reference §3: `string | Object | ArrayBuffer`): a string goes as its UTF-8 text, an ArrayBuffer as the
 * raw bytes, any other object as its JSON (a Uint8Array is such an object: it is NOT sent as its bytes).
 * maxLimit (API 11; default 5 MiB, at most 100 MiB): a longer response to request() rejects.
 * The API level (StandinHttpModule's `apiLevel`, default 12 = OpenHarmony 5.0.0): before API 23 request() receives
 * at most 5 MB whatever maxLimit says (reference §3); here 5 MiB, the cap rejecting the request. The reference gives
 * no error code for either limit, so both use 2300063 (the SDK's "Maximum file size exceeded"); tests only rely on
 * the rejection. requestInStream (API 10) has no such cap: the body goes to 'dataReceive' listeners chunk by chunk
 * as it arrives (ArrayBuffers), with 'dataReceiveProgress' ({receiveSize, totalSize}: totalSize from
 * Content-Length, 0 when absent), then 'dataEnd', and then the promise resolves with the response code (or, with
 * `endAfterCode`, the code first and 'dataEnd' a few ms later: the SDK does not say which comes first).
 * `requests` records each call's options.
 */
import nodeHttp from 'node:http';
import type http from '@ohos.net.http';
import type { Callback } from '@ohos.base';
import type { HttpModule, HttpRequestLike, HttpResponseLike } from '../../entry/src/main/ets/platform/httpFetch';
import { businessError } from './nativeWebSocket';

const DEFAULT_MAX_LIMIT = 5 * 1024 * 1024;
const MAX_MAX_LIMIT = 100 * 1024 * 1024;
/** What request() receives at most before API 23. */
export const PRE_API23_REQUEST_CAP = 5 * 1024 * 1024;
const TOO_BIG = 2300063;

type StreamEvent = 'dataReceive' | 'dataEnd' | 'dataReceiveProgress';

export class StandinHttpRequest implements HttpRequestLike {
  used = false;
  destroyed = false;
  options: http.HttpRequestOptions | undefined;
  /** Which call served the request. */
  via: 'request' | 'requestInStream' | null = null;
  url = '';
  /** The transfer in flight: destroy() aborts it, as destroying the native object does. */
  private inflight: nodeHttp.ClientRequest | null = null;
  private readonly onData = new Set<Callback<ArrayBuffer>>();
  private readonly onEnd = new Set<Callback<void>>();
  private readonly onProgress = new Set<Callback<http.DataReceiveProgressInfo>>();

  constructor(
    readonly apiLevel: number,
    /** requestInStream resolves with the code before 'dataEnd' (the SDK does not say which comes first). */
    readonly endAfterCode = false,
  ) {}

  private claim(via: 'request' | 'requestInStream', url: string, options: http.HttpRequestOptions | undefined): Error | null {
    if (this.destroyed) return businessError(2300999, 'request destroyed');
    if (this.used) return businessError(2300999, 'one request per HttpRequest');
    this.used = true;
    this.via = via;
    this.url = url;
    this.options = options;
    return null;
  }

  on(type: 'dataReceive', callback: Callback<ArrayBuffer>): void;
  on(type: 'dataEnd', callback: Callback<void>): void;
  on(type: 'dataReceiveProgress', callback: Callback<http.DataReceiveProgressInfo>): void;
  on(type: StreamEvent, callback: Callback<ArrayBuffer> | Callback<void> | Callback<http.DataReceiveProgressInfo>): void {
    if (type === 'dataReceive') this.onData.add(callback as Callback<ArrayBuffer>);
    else if (type === 'dataEnd') this.onEnd.add(callback as Callback<void>);
    else this.onProgress.add(callback as Callback<http.DataReceiveProgressInfo>);
  }

  off(type: 'dataReceive', callback?: Callback<ArrayBuffer>): void;
  off(type: 'dataEnd', callback?: Callback<void>): void;
  off(type: 'dataReceiveProgress', callback?: Callback<http.DataReceiveProgressInfo>): void;
  off(type: StreamEvent, callback?: Callback<ArrayBuffer> | Callback<void> | Callback<http.DataReceiveProgressInfo>): void {
    const set: Set<unknown> = type === 'dataReceive' ? this.onData : type === 'dataEnd' ? this.onEnd : this.onProgress;
    if (callback === undefined) set.clear();
    else set.delete(callback);
  }

  /** Listeners still registered (the adapter must take its own off again). */
  get listeners(): number {
    return this.onData.size + this.onEnd.size + this.onProgress.size;
  }

  requestInStream(url: string, options?: http.HttpRequestOptions): Promise<number> {
    const refused = this.claim('requestInStream', url, options);
    if (refused !== null) return Promise.reject(refused);
    return new Promise((resolve, reject) => {
      const req = nodeHttp.request(url, { agent: false, method: options?.method ?? 'GET', headers: (options?.header ?? {}) as Record<string, string> }, (res) => {
        const total = Number(res.headers['content-length'] ?? 0);
        let received = 0;
        res.on('data', (c: Buffer) => {
          received += c.length;
          const chunk = c.buffer.slice(c.byteOffset, c.byteOffset + c.byteLength) as ArrayBuffer;
          for (const f of [...this.onData]) f(chunk);
          for (const f of [...this.onProgress]) f({ receiveSize: received, totalSize: total });
        });
        res.on('end', () => {
          if (this.endAfterCode) {
            // The other order, which the SDK does not rule out: the code first, 'dataEnd' on a later turn.
            resolve(res.statusCode ?? 0);
            setTimeout(() => {
              for (const f of [...this.onEnd]) f();
            }, 5);
            return;
          }
          for (const f of [...this.onEnd]) f();
          resolve(res.statusCode ?? 0);
        });
        res.on('error', (e: Error) => reject(businessError(2300056, `Failed to receive data from the peer (${e.message})`)));
      });
      req.on('error', (e: Error) => reject(businessError(2300007, `Couldn't connect to server (${e.message})`)));
      this.inflight = req;
      writeBody(req, options?.extraData);
    });
  }

  request(url: string, options?: http.HttpRequestOptions): Promise<HttpResponseLike & { resultType: http.HttpDataType; header: nodeHttp.IncomingHttpHeaders }> {
    const refused = this.claim('request', url, options);
    if (refused !== null) return Promise.reject(refused);
    const asked = Math.min(options?.maxLimit ?? DEFAULT_MAX_LIMIT, MAX_MAX_LIMIT);
    const limit = this.apiLevel < 23 ? Math.min(asked, PRE_API23_REQUEST_CAP) : asked;
    const asBytes = options?.expectDataType === (2 as http.HttpDataType);
    return new Promise((resolve, reject) => {
      // agent: false = a fresh connection per request, like a native HttpRequest object (and no keep-alive reuse
      // racing the server's idle close).
      const req = nodeHttp.request(url, { agent: false, method: options?.method ?? 'GET', headers: (options?.header ?? {}) as Record<string, string> }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let over = false;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > limit && !over) {
            over = true;
            res.destroy();
            reject(businessError(TOO_BIG, `response larger than ${limit} bytes (maxLimit${this.apiLevel < 23 ? ', or the 5 MB cap of request() before API 23' : ''})`));
          }
          if (!over) chunks.push(c);
        });
        res.on('end', () => {
          if (over) return;
          const all = Buffer.concat(chunks);
          const result: string | ArrayBuffer = asBytes ? all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) : all.toString('utf8');
          resolve({ result, resultType: (asBytes ? 2 : 0) as http.HttpDataType, responseCode: res.statusCode ?? 0, header: res.headers });
        });
      });
      req.on('error', (e: Error) => reject(businessError(2300007, `Couldn't connect to server (${e.message})`)));
      writeBody(req, options?.extraData);
    });
  }
  destroy(): void {
    this.destroyed = true;
    this.inflight?.destroy();
    this.inflight = null;
  }
}

function writeBody(req: nodeHttp.ClientRequest, data: http.HttpRequestOptions['extraData']): void {
  if (typeof data === 'string') req.write(data);
  else if (data instanceof ArrayBuffer) req.write(Buffer.from(data));
  else if (data !== undefined && data !== null) req.write(JSON.stringify(data));
  req.end();
}

export class StandinHttpModule implements HttpModule {
  readonly created: StandinHttpRequest[] = [];
  /** The OpenHarmony API level this module behaves as (default 12, OpenHarmony 5.0.0 on the DAYU200). */
  constructor(
    readonly apiLevel = 12,
    readonly endAfterCode = false,
  ) {}
  createHttp(): StandinHttpRequest {
    const r = new StandinHttpRequest(this.apiLevel, this.endAfterCode);
    this.created.push(r);
    return r;
  }
}
