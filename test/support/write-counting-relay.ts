import net from "node:net";

/**
 * A TCP relay in front of a PostgreSQL server that counts the writes of the connections through
 * it. A connection writes again only once PostgreSQL has answered, unless it sends the next
 * statements in the same write, so during one request at a time `writes` counts the round trips
 * the server makes to PostgreSQL.
 */
export async function writeCountingRelay(options: { url: string }): Promise<{
  /** The database's URL through the relay. */
  url: string;
  writes: () => number;
  close: () => Promise<void>;
}> {
  const target = new URL(options.url);
  let writes = 0;
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((client) => {
    const server = net.connect(Number(target.port || 5432), target.hostname);
    for (const socket of [client, server]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => {
        sockets.delete(socket);
        client.destroy();
        server.destroy();
      });
    }
    client.on("data", () => {
      writes += 1;
    });
    client.pipe(server);
    server.pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  const url = new URL(options.url);
  url.hostname = "127.0.0.1";
  url.port = String((relay.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    writes: () => writes,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => relay.close(resolve));
    },
  };
}
