/**
 * How the HTTP server treats connections (Fastify options). Time limits: a request — headers and
 * body — must arrive within `requestTimeoutMs` (a body trickled a byte at a time is cut with a
 * 408); an idle socket is closed after `connectionTimeout`; a keep-alive socket waits 65 s for
 * its next request (longer than the usual 60 s of load balancers, so they close first).
 */
export function connectionOptions(requestTimeoutMs: number) {
  return {
    // While shutting down, a request arriving on a kept-alive connection is still answered (with
    // `Connection: close`) instead of Fastify's bare-JSON 503: server.close() waits for it.
    return503OnClosing: false,
    requestTimeout: requestTimeoutMs,
    // No byte for this long on a socket: it is closed (and a waiting request with it).
    connectionTimeout: Math.max(requestTimeoutMs * 2, 75_000),
    keepAliveTimeout: 65_000,
    http: {
      // Node checks the limits on this period (30 s by default, too coarse for short limits).
      connectionsCheckingInterval: Math.min(Math.max(Math.floor(requestTimeoutMs / 4), 250), 5_000),
      headersTimeout: Math.min(requestTimeoutMs, 60_000),
      requestTimeout: requestTimeoutMs,
    },
  };
}
