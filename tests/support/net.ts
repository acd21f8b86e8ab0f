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

/**
 * Replaces fetch with one that records each URL and refuses it: tests never reach the internet, and a test can
 * check which calls were tried. @shopify/shopify-api keeps the fetch it finds when it is imported, so call this
 * in vi.hoisted, before any import: `const network = await vi.hoisted(async () => (await import("…/net")).refuseNetwork());`
 */
export function refuseNetwork(): { calls: string[] } {
  const calls: string[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL) => {
    calls.push(String(input instanceof Request ? input.url : input));
    throw new TypeError("network unreachable in tests");
  }) as typeof fetch;
  return { calls };
}
