import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from "fastify";
import { ResponseSerializationError } from "fastify-type-provider-zod";
import { z } from "zod";
import type { AppContext } from "../context.js";
import type { Database, Transaction } from "../db/database.js";
import type { UserRow } from "../db/users.js";
import { AppError } from "../domain/errors.js";
import { type Authenticator, createAuthenticator } from "../identity/authenticate.js";
import { type DeferredSession, transactionCheckingSession } from "../identity/deferred-session.js";
import { isRateLimited } from "../limits/rate-limit.js";
import { idempotencyHeaders, runIdempotent } from "./idempotency-key.js";
import { findUnstorableText, parsedFromStorableText } from "./lone-surrogates.js";
import { problemResponse, validationError } from "./problem.js";

export interface HandlerInput<Body, Query> {
  ctx: AppContext;
  /** The authenticated caller; routes with `auth: false` never read it. */
  user: UserRow;
  body: Body;
  query: Query;
  params: Record<string, string>;
  request: FastifyRequest;
  /** This server's: what it remembers of tokens is dropped through it (log-out). */
  authenticator: Authenticator;
}

/** What an `idempotent` route's handler gets besides: the one transaction of the request. */
export interface IdempotentInput {
  /**
   * The claim of the `Idempotency-Key`, the handler's writes and the stored response commit
   * together in this transaction: do every read and write of the request through it.
   */
  tx: Transaction;
}

/** What a `sessionInFirstRead` route's handler gets instead of the caller's user row. */
export interface SessionInFirstReadInput extends IdempotentInput {
  /** The caller: only its id is known before the session's row is read. */
  user: { id: string };
  /**
   * The caller's session, to hand to the request's first read (`authorizeProject`); undefined
   * when it was read up front (the token's first request in this process, a machine token).
   */
  session: DeferredSession | undefined;
}

/** A response with another of the route's success statuses (`status` or `otherStatuses`). */
export class Respond<Body = unknown> {
  constructor(
    readonly status: number,
    readonly body: Body,
  ) {}
}

type Output<S> = S extends z.ZodType ? z.output<S> : undefined;
type NoBody = z.ZodUndefined;

export interface RouteSpec<
  BodySchema extends z.ZodType = z.ZodType,
  QuerySchema extends z.ZodType = z.ZodType,
  ResponseSchema extends z.ZodType = z.ZodType,
  Idempotent extends boolean = boolean,
  SessionInFirstRead extends boolean = boolean,
> {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Fastify style: `/v1/projects/:id`. */
  url: string;
  summary: string;
  tag: string;
  auth?: boolean;
  body?: BodySchema;
  query?: QuerySchema;
  /**
   * The success body: it documents the route *and* serializes the response, so a body that does
   * not match is a 500, never sent. Without it the route answers 204 with no body.
   */
  response?: ResponseSchema;
  /** The success status; 200 with a `response`, 204 without. */
  status?: number;
  /** Other success statuses the handler may answer through `Respond`, with the same body. */
  otherStatuses?: number[];
  /**
   * Statuses of problems the route's use cases raise beyond those every route may answer
   * (400, 404, 414, 500; 401 and 403 with auth; 413, 415 and 422 with a body or query).
   */
  errors?: number[];
  /**
   * Honours an `Idempotency-Key` header: the handler runs in one transaction (`tx`) with the
   * key's claim and the stored response; a retry replays the first status and body.
   */
  idempotent?: Idempotent;
  /**
   * The hot paths: the handler runs in one transaction (`tx`, as `idempotent`) whose first read
   * carries the read of the caller's session (`session`), instead of a round trip of its own
   * before the handler. Nothing commits, and nothing but 401 is answered, to a caller whose
   * session has ended (see `DeferredSession`).
   */
  sessionInFirstRead?: SessionInFirstRead;
  /** A larger body than the server's 1 MiB, for bulk routes (usage batches). */
  bodyLimit?: number;
  handler: (
    input: (SessionInFirstRead extends true
      ? Omit<HandlerInput<Output<BodySchema>, Output<QuerySchema>>, "user"> &
          SessionInFirstReadInput
      : HandlerInput<Output<BodySchema>, Output<QuerySchema>>) &
      (Idempotent extends true ? IdempotentInput : unknown),
  ) =>
    | Promise<Output<ResponseSchema> | Respond<Output<ResponseSchema>> | undefined>
    | Promise<void>;
}

/** Keeps type inference per route (handler result checked against `response`) in one registry. */
export function route<
  BodySchema extends z.ZodType = NoBody,
  QuerySchema extends z.ZodType = NoBody,
  ResponseSchema extends z.ZodType = NoBody,
  Idempotent extends boolean = false,
  SessionInFirstRead extends boolean = false,
>(
  spec: RouteSpec<BodySchema, QuerySchema, ResponseSchema, Idempotent, SessionInFirstRead>,
): RouteSpec {
  return spec as unknown as RouteSpec;
}

// Ids are ours: anything that cannot be one names nothing that exists (404, see the compiler).
const pathId = z
  .string()
  .max(100)
  .refine((id) => !id.includes("\u0000"));

/** The statuses of the route's problem+json answers, for its schema and the OpenAPI document. */
function problemStatuses(spec: RouteSpec): number[] {
  const statuses = new Set([400, 404, 500, ...(spec.errors ?? [])]);
  if (spec.url.includes(":")) statuses.add(414);
  if (spec.auth !== false) for (const s of [401, 403]) statuses.add(s);
  if (spec.body) for (const s of [413, 415, 422]) statuses.add(s);
  if (spec.query || spec.idempotent) statuses.add(422);
  if (isRateLimited(spec.url)) statuses.add(429);
  return [...statuses].sort((a, b) => a - b);
}

export function successStatus(spec: RouteSpec): number {
  return spec.status ?? (spec.response ? 200 : 204);
}

function schemaOf(spec: RouteSpec): FastifySchema {
  const params = [...spec.url.matchAll(/:(\w+)/g)].map((m) => m[1] as string);
  const response: Record<string, unknown> = {};
  for (const status of [successStatus(spec), ...(spec.otherStatuses ?? [])]) {
    response[status] = spec.response ?? z.undefined().describe("No content");
  }
  for (const status of problemStatuses(spec)) response[status] = problemResponse;
  return {
    summary: spec.summary,
    tags: [spec.tag],
    ...(spec.auth === false ? { security: [] } : {}),
    ...(params.length > 0
      ? { params: z.object(Object.fromEntries(params.map((name) => [name, pathId]))) }
      : {}),
    ...(spec.body ? { body: spec.body } : {}),
    ...(spec.query ? { querystring: spec.query } : {}),
    ...(spec.idempotent ? { headers: idempotencyHeaders } : {}),
    response,
  } as FastifySchema;
}

const callers = new WeakMap<FastifyRequest, UserRow | { id: string }>();
const deferredSessions = new WeakMap<FastifyRequest, DeferredSession>();

/** Who made the request, once its route has authenticated it (the rate limit keys on it). */
export function callerOf(request: FastifyRequest): { id: string } | undefined {
  return callers.get(request);
}

/**
 * For the error handler: a request refused before its session was read (a body that does not
 * validate, the rate limit) is answered 401 if the session has ended, as it would have been had
 * the session been read up front; the session is touched as it would have been.
 */
export async function errorToAnswer(options: {
  request: FastifyRequest;
  error: unknown;
  db: Database;
}): Promise<unknown> {
  const session = deferredSessions.get(options.request);
  if (!session) return options.error;
  return session.settle(options.db).then(
    () => options.error,
    (refused: unknown) => refused,
  );
}

/**
 * Registers the routes: authentication first (a route hook), then Fastify validates params, body,
 * query and headers with the route's zod schemas (see `validatorCompiler`), the handler runs, and
 * the reply is serialized through the response schema. Errors flow to the problem+json handler.
 */
export function registerRoutes(options: {
  app: FastifyInstance;
  ctx: AppContext;
  routes: RouteSpec[];
}): void {
  const { app, ctx, routes } = options;
  let created: Authenticator | undefined;
  const authenticator = () => {
    created ??= createAuthenticator({ db: ctx.db, clock: ctx.clock });
    return created;
  };
  for (const spec of routes) {
    app.route({
      method: spec.method,
      url: spec.url,
      schema: schemaOf(spec),
      ...(spec.bodyLimit ? { bodyLimit: spec.bodyLimit } : {}),
      ...(spec.auth === false
        ? {}
        : {
            preValidation: async (request: FastifyRequest) => {
              const { authorization } = request.headers;
              const deferred = spec.sessionInFirstRead
                ? authenticator().deferred(authorization)
                : undefined;
              if (deferred) {
                callers.set(request, { id: deferred.userId });
                deferredSessions.set(request, deferred);
              } else {
                callers.set(request, await authenticator().authenticate(authorization));
              }
            },
          }),
      handler: async (request, reply) => {
        const session = deferredSessions.get(request);
        const input = {
          ctx,
          user: callers.get(request) as UserRow,
          body: request.body,
          query: request.query,
          params: request.params as Record<string, string>,
          request,
          authenticator: authenticator(),
          ...(spec.sessionInFirstRead ? { session } : {}),
        };
        if (spec.idempotent) {
          const outcome = await settledAfter(
            session,
            ctx.db,
            runIdempotent({
              ctx,
              request,
              userId: input.user.id,
              session,
              route: `${spec.method} ${spec.url}`,
              params: input.params,
              body: input.body,
              run: (tx) => spec.handler({ ...input, tx } as never),
              encode: (result) => encodeResponse(spec, result),
            }),
          );
          if (outcome.kind === "replay") {
            // Stored as it was first sent (already checked against the schema then).
            return reply
              .status(outcome.status)
              .type("application/json")
              .serializer((payload) => JSON.stringify(payload))
              .send(outcome.body);
          }
          return sendResult(spec, reply, outcome.result);
        }
        if (spec.sessionInFirstRead) {
          const result = await settledAfter(
            session,
            ctx.db,
            transactionCheckingSession({
              db: ctx.db,
              session,
              work: (tx) => spec.handler({ ...input, tx } as never),
            }),
          );
          return sendResult(spec, reply, result);
        }
        return sendResult(spec, reply, await spec.handler(input as never));
      },
    });
  }
}

/**
 * The work's result once the deferred session is settled (read if no statement carried it, then
 * touched): before anything is sent, so a session that has ended answers 401 whatever the work
 * threw.
 */
async function settledAfter<T>(
  session: DeferredSession | undefined,
  db: Database,
  work: Promise<T>,
): Promise<T> {
  try {
    return await work;
  } finally {
    await session?.settle(db);
  }
}

function sendResult(spec: RouteSpec, reply: FastifyReply, result: unknown): FastifyReply {
  if (result instanceof Respond) {
    checkDeclared(spec, result.status);
    if (result.body === undefined) return reply.status(result.status).send();
    return reply.status(result.status).send(result.body);
  }
  const status = successStatus(spec);
  if (result === undefined) return reply.status(status).send();
  return reply.status(status).send(result);
}

function checkDeclared(spec: RouteSpec, status: number): void {
  if (status !== successStatus(spec) && !spec.otherStatuses?.includes(status)) {
    throw new Error(`${spec.method} ${spec.url} answered ${status}, which it does not declare`);
  }
}

/** The body as the wire will carry it (what the serializer sends), checked against the schema. */
function encodeResponse(spec: RouteSpec, result: unknown): { status: number; body: unknown } {
  const status = result instanceof Respond ? result.status : successStatus(spec);
  const body = result instanceof Respond ? result.body : result;
  checkDeclared(spec, status);
  if (!spec.response || body === undefined) return { status, body: undefined };
  const encoded = z.safeEncode(spec.response, body);
  // The serializer's own error: a 500, logged, never a 422 for the caller's input.
  if (!encoded.success) {
    throw new ResponseSerializationError(spec.method, spec.url, { cause: encoded.error });
  }
  return { status, body: JSON.parse(JSON.stringify(encoded.data)) };
}

/**
 * Request validation with the route's zod schemas. A failure is the one problem+json
 * `validation_failed` naming the field (params: 404, an id that cannot exist). Text holding
 * U+0000 or a lone surrogate is refused here, naming the field: PostgreSQL text cannot store it.
 */
export function validatorCompiler(options: { schema: unknown; httpPart?: string }) {
  const schema = options.schema as z.ZodType;
  const part = options.httpPart;
  return (data: unknown): { value: unknown } | { error: Error } => {
    const parsed = schema.safeParse(part === "body" ? (data ?? {}) : data);
    if (!parsed.success) {
      if (part === "params")
        return { error: new AppError({ code: "not_found", message: "Not found" }) };
      return { error: validationFailure(parsed.error, part) };
    }
    if (part === "body" || part === "querystring") {
      // What zod passed comes from `data`: text that could not make unstorable strings is not walked.
      const unstorable = parsedFromStorableText(data) ? undefined : findUnstorableText(parsed.data);
      if (unstorable) {
        const field = unstorable.path.join(".");
        return {
          error: new AppError({
            code: "validation_failed",
            message: `${field}: must not contain ${unstorable.reason}`,
            field,
          }),
        };
      }
    }
    return { value: parsed.data };
  };
}

function validationFailure(error: z.ZodError, part: string | undefined): AppError {
  const issue = error.issues[0];
  if (part !== "headers" || !issue) return validationError({ error });
  // Header names are case-insensitive; name them as people write them (`Idempotency-Key`).
  const field = String(issue.path[0] ?? "").replace(
    /(^|-)([a-z])/g,
    (_, dash, c) => dash + c.toUpperCase(),
  );
  return new AppError({ code: "validation_failed", message: `${field}: ${issue.message}`, field });
}
