/*
 * Stand-in for `@ohos.net.http` on Node's http client: createHttp() objects that serve ONE request (a second
 * request() on the same object rejects, as reusing it is unsupported) and must be destroy()ed; expectDataType
 * STRING (the default) gives result as text, ARRAY_BUFFER as an ArrayBuffer of the exact bytes (resultType says
 * which); connection failures reject with a BusinessError (2300007 couldn't connect).
 * extraData (reference §3: `string | Object | ArrayBuffer`): a string goes as its UTF-8 text, an ArrayBuffer as the
 * raw bytes, any other object as its JSON (a Uint8Array is such an object: it is NOT sent as its bytes).
 * maxLimit (API 11; default 5 MiB, at most 100 MiB): a longer response rejects. The reference gives no error code
 * for that, so this uses 2300999 (unknown); tests only rely on the rejection. The pre-API-23 5 MB cap of request()
 * is not modelled (the stand-in is the API 23+ behaviour for sizes); `requests` records each call's options.
 */
import nodeHttp from 'node:http';
import type http from '@ohos.net.http';
import type { HttpModule, HttpRequestLike, HttpResponseLike } from '../../entry/src/main/ets/platform/httpFetch';
import { businessError } from './nativeWebSocket';

const DEFAULT_MAX_LIMIT = 5 * 1024 * 1024;
const MAX_MAX_LIMIT = 100 * 1024 * 1024;

export class StandinHttpRequest implements HttpRequestLike {
  used = false;
  destroyed = false;
  options: http.HttpRequestOptions | undefined;
  request(url: string, options?: http.HttpRequestOptions): Promise<HttpResponseLike & { resultType: http.HttpDataType; header: nodeHttp.IncomingHttpHeaders }> {
    if (this.destroyed) return Promise.reject(businessError(2300999, 'request destroyed'));
    if (this.used) return Promise.reject(businessError(2300999, 'one request per HttpRequest'));
    this.used = true;
    this.options = options;
    const limit = Math.min(options?.maxLimit ?? DEFAULT_MAX_LIMIT, MAX_MAX_LIMIT);
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
            reject(businessError(2300999, `response larger than maxLimit (${limit} bytes)`));
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
      const data = options?.extraData;
      if (typeof data === 'string') req.write(data);
      else if (data instanceof ArrayBuffer) req.write(Buffer.from(data));
      else if (data !== undefined && data !== null) req.write(JSON.stringify(data));
      req.end();
    });
  }
  destroy(): void {
    this.destroyed = true;
  }
}

export class StandinHttpModule {
  readonly created: StandinHttpRequest[] = [];
  createHttp(): StandinHttpRequest {
    const r = new StandinHttpRequest();
    this.created.push(r);
    return r;
  }
}
