import helmet from "@fastify/helmet";
import type { FastifyInstance } from "fastify";

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
 * Security headers on every answer (API, console, errors): helmet's set with the policy above,
 * `X-Frame-Options: DENY` and `X-Content-Type-Options: nosniff`. Every `/v1/` answer is
 * `Cache-Control: no-store`: sign-up and log-in tokens, machine tokens and set-up session URLs
 * travel in API bodies, and one rule for the whole API cannot forget a new route that carries
 * a secret (the API's answers are per-user anyway; the console's static assets stay cacheable).
 */
export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy },
    frameguard: { action: "deny" },
    // The API is called from the console's own origin only; no cross-origin embedding.
    crossOriginResourcePolicy: { policy: "same-origin" },
  });
  app.addHook("onRequest", async (request, reply) => {
    if (request.url.startsWith("/v1/") || request.url === "/v1") {
      reply.header("cache-control", "no-store");
    }
  });
}
