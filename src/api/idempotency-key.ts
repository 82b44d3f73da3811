import { createHash } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import type { AppContext } from "../context.js";
import type { Transaction } from "../db/database.js";
import { claimIdempotencyKey, storeIdempotentResponse } from "../db/idempotency.js";
import { AppError } from "../domain/errors.js";
import { type DeferredSession, transactionCheckingSession } from "../identity/deferred-session.js";

// `Idempotency-Key`, for every route declared `idempotent: true`: one piece, not one per route.

/** The header as the route schema validates and documents it (other headers pass through). */
export const idempotencyHeaders = z.looseObject({
  "idempotency-key": z
    .string()
    .min(1, "must be 1 to 255 characters")
    .max(255, "must be 1 to 255 characters")
    .optional()
    .describe(
      "Retries with the same key (per caller) replay the first response; the key with another request is 422 idempotency_key_reused",
    ),
});

export type IdempotentOutcome =
  | { kind: "replay"; status: number; body: unknown }
  | { kind: "done"; result: unknown };

/**
 * Runs an idempotent route's handler in one transaction with the claim of its key and the stored
 * response: a retry either replays a committed result or finds no trace of a failed attempt (a
 * throw rolls the claim back). Without a key the handler still gets its one transaction.
 */
export async function runIdempotent(options: {
  ctx: AppContext;
  request: FastifyRequest;
  userId: string;
  /** The caller's session when its read was left to the handler's first statement. */
  session?: DeferredSession | undefined;
  /** `POST /v1/projects/:id/members`: a key names one request to one route. */
  route: string;
  params: Record<string, string>;
  body: unknown;
  run: (tx: Transaction) => Promise<unknown>;
  /** The handler's result as sent: status and body checked against the route's schema. */
  encode: (result: unknown) => { status: number; body: unknown };
}): Promise<IdempotentOutcome> {
  const { ctx, userId } = options;
  const key = options.request.headers["idempotency-key"] as string | undefined;
  return transactionCheckingSession({
    db: ctx.db,
    session: options.session,
    work: async (tx): Promise<IdempotentOutcome> => {
      if (key !== undefined) {
        const claim = await claimIdempotencyKey({
          db: tx,
          userId,
          key,
          requestHash: requestHash({
            route: options.route,
            params: options.params,
            body: options.body,
          }),
          at: ctx.clock(),
        });
        if (claim.kind === "replay") return claim;
        if (claim.kind === "reused") {
          throw new AppError({
            code: "idempotency_key_reused",
            message: "This Idempotency-Key was used with another request",
            field: "Idempotency-Key",
          });
        }
      }
      const result = await options.run(tx);
      if (key !== undefined) {
        const { status, body } = options.encode(result);
        await storeIdempotentResponse({ db: tx, userId, key, status, body: body ?? null });
      }
      return { kind: "done", result };
    },
  });
}

/** A stable digest of the request: the same request sent twice hashes alike. */
export function requestHash(request: unknown): string {
  return createHash("sha256").update(canonicalJson(request)).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
