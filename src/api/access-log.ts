import { type FastifyReply, type FastifyRequest, LogController } from "fastify";

/**
 * One log line per request, written when the answer is sent, in place of Fastify's two (one on
 * arrival, one on completion): the second carries everything the first did, and on the hot path
 * the logging was a measurable share of a request's CPU (BENCHMARKS.md, start-config). Fastify's
 * `logController` is the extension point for exactly this.
 */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const line = {
      method: request.method,
      // The path only: a query may carry cursors and filters nobody needs in the logs.
      url: request.url.split("?")[0],
      statusCode: reply.statusCode,
      responseTime: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (error) reply.log.error({ ...line, err: error }, "request errored");
    else reply.log.info(line, "request completed");
  }
}
