/* @ohos.net.http (API 6+; subset). One HttpRequest per request, then destroy(). Reference §3. */
declare namespace http {
  function createHttp(): HttpRequest;
  enum RequestMethod {
    OPTIONS = 'OPTIONS',
    GET = 'GET',
    HEAD = 'HEAD',
    POST = 'POST',
    PUT = 'PUT',
    DELETE = 'DELETE',
    TRACE = 'TRACE',
    CONNECT = 'CONNECT',
  }
  enum HttpDataType {
    STRING = 0,
    OBJECT = 1,
    ARRAY_BUFFER = 2,
  }
  interface HttpRequestOptions {
    method?: RequestMethod;
    extraData?: string | Object | ArrayBuffer;
    expectDataType?: HttpDataType;
    header?: Object;
    readTimeout?: number;
    connectTimeout?: number;
    /** (11) Largest response accepted, in bytes: default 5 MiB, at most 100 MiB. Before API 23 request() receives at most 5 MB anyway. */
    maxLimit?: number;
  }
  interface HttpResponse {
    result: string | Object | ArrayBuffer;
    resultType: HttpDataType;
    responseCode: number;
    header: Object;
  }
  interface HttpRequest {
    request(url: string, options?: HttpRequestOptions): Promise<HttpResponse>;
    destroy(): void;
  }
}
export default http;
