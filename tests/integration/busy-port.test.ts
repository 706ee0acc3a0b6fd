import { createServer, type Server } from "node:net";
import test from "ava";
import { spawnPlane } from "../support/spawn-plane.js";

async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as { port: number }).port, server };
}

for (const [setting, env] of [
  ["SO_PORT (--port)", "SO_PORT"],
  ["SO_GRPC_PORT (--grpc-port)", "SO_GRPC_PORT"],
] as const) {
  test(`a busy ${env} is one line naming the setting and exit status 2`, async (t) => {
    const held = await holdPort();
    t.teardown(() => held.server.close());
    const plane = spawnPlane({
      [env]: String(held.port),
      SO_ADMIN_TOKEN: "busy-port-admin-token-0123",
    });
    t.teardown(() => plane.child.kill("SIGKILL"));
    t.is(await plane.exited, 2, plane.stderr());
    const lines = plane.stderr().trimEnd().split("\n");
    t.is(lines.length, 1, plane.stderr());
    t.is(
      lines[0],
      `${setting}: 127.0.0.1:${held.port} is already in use (EADDRINUSE); choose another port with ${setting}`,
    );
    t.notRegex(plane.stdout() + plane.stderr(), /\n\s+at /, "no stack trace");
  });
}
