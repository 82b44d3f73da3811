import type { FastifyInstance } from "fastify";

/**
 * One log line per request, written when the answer is sent, in place of Fastify's two (one on
 * arrival, one on completion): the second carries everything the first did, and on the hot path
 * the logging was a measurable share of a request's CPU (BENCHMARKS.md, start-config).
 */
export function logEachResponse(app: FastifyInstance): void {
  app.addHook("onResponse", (request, reply, done) => {
    request.log.info(
      {
        method: request.method,
        // The path only: a query may carry cursors and filters nobody needs in the logs.
        url: request.url.split("?")[0],
        statusCode: reply.statusCode,
        responseTime: Math.round(reply.elapsedTime * 10) / 10,
      },
      "request completed",
    );
    done();
  });
}
