import net from "node:net";

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Milliseconds from connecting to the server closing the socket (or the answer, if kept). */
  elapsedMs: number;
}

/**
 * Talks HTTP on a bare socket, for what `fetch` cannot send: oversized or contradictory headers,
 * a body shorter than announced, a body trickled a byte at a time. `write` gets the socket and
 * sends whatever it wants; the answer is read until the server closes or `waitMs` passes.
 */
export function rawRequest(options: {
  url: string;
  write: (socket: net.Socket) => unknown;
  waitMs?: number;
}): Promise<RawResponse> {
  const { port, hostname } = new URL(options.url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect({ port: Number(port), host: hostname, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString("utf8");
      const [head = "", ...rest] = text.split("\r\n\r\n");
      const [statusLine = "", ...headerLines] = head.split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const at = line.indexOf(":");
        if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
      }
      resolve({
        status: Number(statusLine.split(" ")[1] ?? 0),
        headers,
        body: rest.join("\r\n\r\n"),
        elapsedMs: Date.now() - started,
      });
    };
    const timer = setTimeout(finish, options.waitMs ?? 5000);
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("end", finish);
    socket.on("close", finish);
    socket.on("error", (error) => {
      if (chunks.length > 0) finish();
      else if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(error);
      }
    });
    socket.on("connect", () => {
      Promise.resolve(options.write(socket)).catch(() => undefined);
    });
  });
}
