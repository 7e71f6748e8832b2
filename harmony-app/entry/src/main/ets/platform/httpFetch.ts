/*
 * client-core's `fetch` seam on `@ohos.net.http` (there is no global fetch in ArkTS). One HttpRequest object per
 * request and destroy() after it, as the module requires (reference §3); bodies are JSON text, so the response is
 * asked for as a string. Network failures reject, like fetch; HTTP errors resolve with their status, like fetch.
 */
import type http from '@ohos.net.http';

export interface HttpModule {
  createHttp(): http.HttpRequest;
}

export class FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export class FetchResponse {
  constructor(
    readonly status: number,
    private readonly body: string,
  ) {}
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  text(): Promise<string> {
    return Promise.resolve(this.body);
  }
}

const TIMEOUT_MS = 15_000;

export function ohosFetch(module: HttpModule): (url: string, init?: FetchInit) => Promise<FetchResponse> {
  return async (url: string, init?: FetchInit): Promise<FetchResponse> => {
    const req = module.createHttp();
    try {
      const res = await req.request(url, {
        method: (init?.method ?? 'GET') as http.RequestMethod,
        header: init?.headers ?? {},
        extraData: init?.body,
        // 0 = HttpDataType.STRING; the enum lives on the native module object.
        expectDataType: 0 as http.HttpDataType,
        connectTimeout: TIMEOUT_MS,
        readTimeout: TIMEOUT_MS,
      });
      const body = typeof res.result === 'string' ? res.result : JSON.stringify(res.result);
      return new FetchResponse(res.responseCode, body);
    } finally {
      req.destroy();
    }
  };
}
