import { createHash } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { AppError } from "../domain/errors.js";

/** The optional `Idempotency-Key` header, checked; undefined when absent. */
export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const value = request.headers["idempotency-key"];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length < 1 || value.length > 255) {
    throw new AppError({
      code: "validation_failed",
      message: "Idempotency-Key must be 1 to 255 characters",
      field: "Idempotency-Key",
    });
  }
  return value;
}

/** A stable digest of the parsed body: the same request sent twice hashes alike. */
export function requestHash(body: unknown): string {
  return createHash("sha256").update(canonicalJson(body)).digest("hex");
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
