import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";

/**
 * Errors Node's HTTP parser raises before Fastify sees a request (headers too large, a malformed
 * request line, Content-Length together with Transfer-Encoding, a request that took too long)
 * are answered as problem+json too, written straight on the socket, which is then closed.
 */
export function clientErrorProblem(error: { code?: string }): {
  status: number;
  code: string;
  detail: string;
} {
  switch (error.code) {
    case "HPE_HEADER_OVERFLOW":
      return {
        status: 431,
        code: "headers_too_large",
        detail: "The request's headers are larger than the server accepts",
      };
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return {
        status: 408,
        code: "request_timeout",
        detail: "The request was not received in time",
      };
    case "HPE_UNEXPECTED_CONTENT_LENGTH":
      return {
        status: 400,
        code: "bad_request",
        detail: "A request cannot have both Content-Length and Transfer-Encoding",
      };
    default:
      return { status: 400, code: "bad_request", detail: "The request is not valid HTTP" };
  }
}

/** The full HTTP/1.1 response, bytes ready for the socket. */
export function clientErrorResponse(error: { code?: string }): string {
  const { status, code, detail } = clientErrorProblem(error);
  const body = JSON.stringify({
    type: `https://ktrlplane.dev/problems/${code.replaceAll("_", "-")}`,
    title: code.replaceAll("_", " "),
    status,
    code,
    detail,
  });
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}`,
    "Content-Type: application/problem+json; charset=utf-8",
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Cache-Control: no-store",
    "X-Content-Type-Options: nosniff",
    "Connection: close",
    "",
    body,
  ].join("\r\n");
}

/** Fastify's `clientErrorHandler`: answer if the socket still can, then close it. */
export function handleClientError(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  // Like Node's own handler: never write into a response that has already started.
  const inProgress = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inProgress?.headersSent) socket.end(clientErrorResponse(error));
  else socket.destroy();
  // `end` flushes the answer first; a socket that never drains is destroyed shortly after.
  setTimeout(() => socket.destroy(), 1000).unref();
}
