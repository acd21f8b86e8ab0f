import { createServer } from "node:net";

/** A loopback port that was free a moment ago and has nothing listening now (for "unreachable" cases). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A loopback HTTP server that accepts requests and never answers (for "timeout" cases). */
export async function hangingServer(): Promise<{ url: string; close(): Promise<void> }> {
  const { createServer: createHttpServer } = await import("node:http");
  const server = createHttpServer(() => {
    // Never answer: the client's timeout must fire.
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
