/*
 * Stand-in for `@ohos.net.http` on Node's http client: createHttp() objects that serve ONE request (a second
 * request() on the same object rejects, as reusing it is unsupported) and must be destroy()ed; expectDataType
 * STRING gives result as text; connection failures reject with a BusinessError (2300007 couldn't connect).
 */
import nodeHttp from 'node:http';
import type http from '@ohos.net.http';
import { businessError } from './nativeWebSocket';

export class StandinHttpRequest implements http.HttpRequest {
  used = false;
  destroyed = false;
  request(url: string, options?: http.HttpRequestOptions): Promise<http.HttpResponse> {
    if (this.destroyed) return Promise.reject(businessError(2300999, 'request destroyed'));
    if (this.used) return Promise.reject(businessError(2300999, 'one request per HttpRequest'));
    this.used = true;
    return new Promise((resolve, reject) => {
      // agent: false = a fresh connection per request, like a native HttpRequest object (and no keep-alive reuse
      // racing the server's idle close).
      const req = nodeHttp.request(url, { agent: false, method: options?.method ?? 'GET', headers: (options?.header ?? {}) as Record<string, string> }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ result: Buffer.concat(chunks).toString('utf8'), resultType: 0 as http.HttpDataType, responseCode: res.statusCode ?? 0, header: res.headers }),
        );
      });
      req.on('error', (e: Error) => reject(businessError(2300007, `Couldn't connect to server (${e.message})`)));
      if (typeof options?.extraData === 'string') req.write(options.extraData);
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
