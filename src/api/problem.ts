import type { FastifyError, FastifyReply } from "fastify";
import { z } from "zod";
import { AppError, type ErrorCode, httpStatusOf } from "../domain/errors.js";

/** RFC 9457 problem details; `code` is stable, `detail` is for people, `field` names the input. */
// Loose: some problems carry more members (`billing_account_id`, `resource_type`…).
export const problemSchema = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string(),
    detail: z.string(),
    field: z.string().optional(),
  })
  .meta({ id: "Problem" });

/** A route's answer for one problem status, in the OpenAPI document and for its serializer. */
export const problemResponse = {
  description: "A problem (RFC 9457): `code` is stable, `field` names the input at fault",
  content: { "application/problem+json": { schema: problemSchema } },
};

export function sendProblem(reply: FastifyReply, error: AppError): FastifyReply {
  const status = httpStatusOf(error.code);
  const retryAfter = error.details?.retry_after;
  if (typeof retryAfter === "number") reply.header("retry-after", String(retryAfter));
  return reply
    .status(status)
    .type("application/problem+json")
    .send({
      type: `https://ktrlplane.dev/problems/${error.code.replaceAll("_", "-")}`,
      title: error.code.replaceAll("_", " "),
      status,
      code: error.code,
      detail: error.message,
      ...(error.field ? { field: error.field } : {}),
      ...(error.details ?? {}),
    });
}

/** Zod's first complaint, as an AppError naming the field at fault. */
export function validationError(options: { error: z.ZodError; prefix?: string }): AppError {
  const issue = options.error.issues[0];
  if (!issue) return new AppError({ code: "validation_failed", message: "Invalid request" });
  const path = issue.path.map(String);
  if (issue.code === "unrecognized_keys") path.push(issue.keys[0] ?? "");
  const field = [options.prefix, ...path].filter((p) => p).join(".");
  const message =
    issue.code === "unrecognized_keys"
      ? `Unknown field "${field}"`
      : `${field ? `${field}: ` : ""}${issue.message}`;
  return new AppError({ code: "validation_failed", message, ...(field ? { field } : {}) });
}

const frameworkCodes: Record<number, ErrorCode> = {
  400: "malformed_json",
  404: "not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
  415: "unsupported_media_type",
  429: "rate_limited",
};

/** Anything that is not an AppError: the framework's own 4xx keep their meaning, the rest is a 500. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof z.ZodError) return validationError({ error });
  const status = (error as FastifyError).statusCode;
  const code = status ? frameworkCodes[status] : undefined;
  if (code) return new AppError({ code, message: (error as Error).message });
  return new AppError({
    code: "internal",
    message: "Something went wrong on our side; it has been logged",
  });
}
