import type { IncomingMessage, ServerResponse } from "node:http";
import type { Engine, Route } from "./engine.js";
import { ParamError, StripeApiError } from "./errors.js";
import { applyExpansions } from "./expand.js";
import type { FaultInjector, FaultKind } from "./faults.js";
import { type FormObject, mergeParams, parseForm } from "./form-encoding.js";
import type { IdempotencyStore, StoredResponse } from "./idempotency.js";
import { arr, str } from "./params.js";
import type { RateLimiter } from "./rate-limiter.js";
import type { RecordedRequest } from "./request-log.js";
import { applyElapsedTime } from "./resources/renewals.js";
import { Router } from "./router.js";

export interface ServerParts {
  engine: Engine;
  routes: readonly Route[];
  faults: FaultInjector;
  idempotency: IdempotencyStore;
  rateLimiter: RateLimiter;
  requests: RecordedRequest[];
  /** Non-API pages (the hosted checkout page); return false when the path is not theirs. */
  pages: (req: IncomingMessage, res: ServerResponse, body: string) => boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

/**
 * The request pipeline, in Stripe's order: authenticate, route, rate-limit, read parameters,
 * claim the idempotency key, then run the endpoint. Injected faults hit either before the
 * endpoint runs (nothing stored, a retry executes) or after a write (stored, a retry replays).
 */
export function createRequestHandler(parts: ServerParts) {
  const router = new Router(parts.routes);
  const { engine, faults, idempotency, rateLimiter, requests } = parts;

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = Date.now();
    const body = await readBody(req);
    const url = new URL(req.url ?? "/", "http://emulator");
    if (!url.pathname.startsWith("/v1/")) {
      if (!parts.pages(req, res, body)) {
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("Not found");
      }
      return;
    }

    const method = (req.method ?? "GET").toUpperCase();
    const requestId = engine.newId("req", 14);
    const authorization = header(req, "authorization");
    const apiKey = authorization?.startsWith("Bearer ") ? authorization.slice(7).trim() : null;
    // Idempotency keys are for POST requests only: "Sending idempotency keys in GET and DELETE
    // requests has no effect and should be avoided, as these requests are idempotent by
    // definition." (https://docs.stripe.com/api/idempotent_requests)
    const idempotencyKey = method === "POST" ? header(req, "idempotency-key") : null;
    const stripeVersion = header(req, "stripe-version");
    const matched = router.match(method, url.pathname);

    const record: RecordedRequest = {
      requestId,
      method,
      path: url.pathname,
      params: {},
      apiKey,
      idempotencyKey,
      stripeVersion,
      status: 0,
      timestamp: started,
      durationMs: 0,
      write: matched?.route.write ?? false,
      replayed: false,
      fault: null,
      errorCode: null,
    };
    requests.push(record);

    const headers: Record<string, string> = {
      "content-type": "application/json",
      "request-id": requestId,
      "stripe-version": stripeVersion ?? engine.options.apiVersion,
    };
    if (idempotencyKey !== null) headers["idempotency-key"] = idempotencyKey;

    const finish = (status: number, payload: string, extra: Record<string, string> = {}) => {
      record.status = status;
      record.durationMs = Date.now() - started;
      res.writeHead(status, { ...headers, ...extra });
      res.end(payload);
    };
    const fail = (error: StripeApiError) => {
      record.errorCode = error.code ?? error.type;
      finish(error.status, JSON.stringify(error.toBody()), error.headers);
    };
    const drop = (kind: FaultKind, status: number) => {
      record.fault = kind;
      record.status = status;
      record.durationMs = Date.now() - started;
      req.socket.destroy();
    };

    if (apiKey === null || apiKey === "") {
      return fail(
        new StripeApiError(
          "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
          { status: 401 },
        ),
      );
    }
    if (!/^(sk|rk)_test_\w+$/.test(apiKey)) {
      return fail(
        new StripeApiError(`Invalid API Key provided: ${apiKey.slice(0, 12)}****`, {
          status: 401,
          code: "api_key_invalid",
        }),
      );
    }
    if (matched === null) {
      return fail(
        new StripeApiError(
          `Unrecognized request URL (${method}: ${url.pathname}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
          { status: 404 },
        ),
      );
    }

    const plan = faults.plan(method, url.pathname, matched.route.write);
    const rateLimited = () =>
      new StripeApiError(
        "Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits.",
        { status: 429, code: "rate_limit", headers: { "stripe-should-retry": "true" } },
      );
    if (!rateLimiter.admit(apiKey, Date.now())) return fail(rateLimited());

    let params: FormObject;
    let expand: string[];
    try {
      params = mergeParams(parseForm(url.search.slice(1)), parseForm(body));
      record.params = params;
      expand = arr(str()).parse(params.expand ?? "", "expand");
    } catch (error) {
      if (error instanceof StripeApiError) return fail(error);
      throw error;
    }

    let claim: ReturnType<IdempotencyStore["begin"]> | null = null;
    if (idempotencyKey !== null) {
      try {
        claim = idempotency.begin(apiKey, idempotencyKey, method, url.pathname, params);
      } catch (error) {
        if (error instanceof StripeApiError) return fail(error);
        throw error;
      }
    }

    if (plan.latencyMs > 0) await sleep(plan.latencyMs);

    if (claim?.kind === "replay") {
      record.replayed = true;
      return finish(claim.response.status, claim.response.body, {
        "idempotent-replayed": "true",
        "original-request": claim.response.requestId,
      });
    }

    if (plan.before !== null) {
      claim?.abandon();
      plan.fired(plan.before);
      if (plan.before === "drop") return drop("drop", 0);
      record.fault = plan.before;
      if (plan.before === "rateLimit") return fail(rateLimited());
      return fail(
        new StripeApiError("An unknown error occurred", {
          status: 500,
          type: "api_error",
          headers: { "stripe-should-retry": "true" },
        }),
      );
    }

    let response: StoredResponse;
    try {
      // Time-driven transitions (renewals, 23 h expiry of incomplete subscriptions) happen lazily.
      applyElapsedTime(engine);
      const result = matched.route.handle({
        engine,
        params,
        pathParams: matched.params,
        origin: { id: requestId, idempotencyKey },
      });
      const expanded = applyExpansions(result, expand, engine.state);
      response = { status: 200, body: JSON.stringify(expanded, null, 2), requestId };
    } catch (error) {
      if (error instanceof ParamError || !(error instanceof StripeApiError)) {
        claim?.abandon();
        if (error instanceof StripeApiError) return fail(error);
        console.error("stripe-emulator: handler crashed", error);
        return fail(new StripeApiError(String(error), { status: 500, type: "api_error" }));
      }
      claim?.kind === "execute" &&
        claim.complete({
          status: error.status,
          body: JSON.stringify(error.toBody()),
          requestId,
        });
      return fail(error);
    }
    if (claim?.kind === "execute") claim.complete(response);

    if (plan.failAfterWrite && matched.route.write) {
      plan.fired("failAfterWrite");
      return drop("failAfterWrite", response.status);
    }
    finish(response.status, response.body);
  };
}
