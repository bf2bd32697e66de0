import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A fake's HTTP server, listening on a free port of 127.0.0.1. */
export async function listenOnLoopback(handler: RequestListener): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** `http://127.0.0.1:PORT` of a listening fake. */
export function loopbackOrigin(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Stops a fake at once: the responses it holds hanging are dropped, open connections closed. */
export async function closeFake(server: Server | undefined, hung: Iterable<ServerResponse> = []): Promise<void> {
  for (const res of hung) res.destroy();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => server?.close(() => resolve()) ?? resolve());
}
