export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A thin HTTP client that speaks to the app as any outside client would. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    /** The bearer key sent with every request, if any. */
    readonly key?: string,
  ) {}

  /** The same server, spoken to with another key (or none). */
  as(key: string | undefined): ApiClient {
    return new ApiClient(this.baseUrl, key);
  }

  get<T = any>(path: string, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    return this.request<T>('GET', path, undefined, headers);
  }

  post<T = any>(path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    return this.request<T>('POST', path, body, headers);
  }

  /** Sends `rawBody` as is (malformed JSON, form data, huge strings). */
  async raw<T = any>(method: string, path: string, rawBody: string | undefined, headers: Record<string, string>): Promise<ApiResponse<T>> {
    const withKey = this.key && !('authorization' in headers) ? { authorization: `Bearer ${this.key}`, ...headers } : headers;
    const response = await fetch(this.baseUrl + path, { method, body: rawBody, headers: withKey });
    const text = await response.text();
    let body: any = text;
    if ((response.headers.get('content-type') ?? '').includes('json') && text) body = JSON.parse(text);
    return { status: response.status, headers: response.headers, body, text };
  }

  request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const withJson = body === undefined ? headers : { 'content-type': 'application/json', ...headers };
    return this.raw<T>(method, path, body === undefined ? undefined : JSON.stringify(body), withJson);
  }
}
