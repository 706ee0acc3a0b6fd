/** A call of {@link restClient}: status and the parsed JSON body (undefined when empty). */
export interface RestAnswer {
  readonly status: number;
  readonly body: any;
}

/**
 * A JSON REST client for `url` with a bearer token; bodies come back parsed.
 * `headers` adds request headers (Force, Timeout). It has no imports, so the
 * demo (scripts/demo.ts) uses it too without loading the control plane.
 */
export function restClient(url: string, token: string) {
  return async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<RestAnswer> => {
    const res = await fetch(url + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body ? { "content-type": "application/json" } : {}),
        ...headers,
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}
