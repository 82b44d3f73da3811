import type { IncomingMessage, ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import helmet from "helmet";

/**
 * The console's Content Security Policy. The Vite build has no inline script or style (one
 * module script and one stylesheet under /assets, a `data:` favicon), React sets styles through
 * the CSSOM, and the console only talks to its own origin: everything is `'self'`.
 */
export const contentSecurityPolicy = {
  "default-src": ["'self'"],
  "script-src": ["'self'"],
  "style-src": ["'self'"],
  "img-src": ["'self'", "data:"],
  "font-src": ["'self'"],
  "connect-src": ["'self'"],
  "object-src": ["'none'"],
  "base-uri": ["'none'"],
  "form-action": ["'self'"],
  "frame-ancestors": ["'none'"],
};

/**
 * helmet's headers for our options, asked for once: none of them depends on the request (no CSP
 * nonces), and building them per request (what @fastify/helmet does) cost more CPU than the
 * rest of the transport layer together (BENCHMARKS.md, 2026-11-29 profile).
 */
function helmetHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string) => {
      headers[name.toLowerCase()] = value;
    },
    removeHeader: () => {},
  };
  helmet({
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy },
    frameguard: { action: "deny" },
    // The API is called from the console's own origin only; no cross-origin embedding.
    crossOriginResourcePolicy: { policy: "same-origin" },
  })({} as IncomingMessage, response as unknown as ServerResponse, () => {});
  return headers;
}

/**
 * Security headers on every answer (API, console, errors): helmet's set with the policy above,
 * `X-Frame-Options: DENY` and `X-Content-Type-Options: nosniff`. Every `/v1/` answer is
 * `Cache-Control: no-store`: sign-up and log-in tokens, machine tokens and set-up session URLs
 * travel in API bodies, and one rule for the whole API cannot forget a new route that carries
 * a secret (the API's answers are per-user anyway; the console's static assets stay cacheable).
 */
export function registerSecurityHeaders(app: FastifyInstance): void {
  const everywhere = helmetHeaders();
  const api = { ...everywhere, "cache-control": "no-store" };
  app.addHook("onRequest", (request, reply, done) => {
    reply.headers(request.url.startsWith("/v1/") || request.url === "/v1" ? api : everywhere);
    done();
  });
}
