/**
 * The tests' own calls to the API, for setting a scene up and checking what the console did:
 * JSON in and out, and any answer but 2xx throws with its status and body.
 */
export type CallApi = <T = unknown>(
  token: string,
  method: string,
  path: string,
  body?: unknown,
) => Promise<T>;

/** `baseUrl` is read at each call: the server is started in a `beforeAll`, after this is made. */
export function apiCaller(options: { baseUrl: () => string }): CallApi {
  return async <T>(token: string, method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${options.baseUrl()}${path}`, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { "Content-Type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
}
