import { createServer } from "node:net";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { Backoff, createLogger } from "@smart-orchestrator/shared";
import test from "ava";
import { NodeInventory } from "./node-inventory.js";

/** Counts waits; waits nothing, so the test sees many retries at once. */
class CountingBackoff extends Backoff {
  waits = 0;
  override next(): number {
    this.waits++;
    super.next();
    return 0;
  }
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test("an unreachable API server: informers back off without starting over, and the last error is kept", async (t) => {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      { name: "c", server: `http://127.0.0.1:${await closedPort()}`, skipTLSVerify: true },
    ],
    users: [{ name: "u", token: "t" }],
    contexts: [{ name: "ctx", cluster: "c", user: "u" }],
    currentContext: "ctx",
  });
  const backoffs: CountingBackoff[] = [];
  const errors: string[] = [];
  let enough: () => void = () => undefined;
  const reached = new Promise<void>((resolve) => {
    enough = resolve;
  });
  const inventory = new NodeInventory({
    kubeConfig,
    core: kubeConfig.makeApiClient(CoreV1Api),
    log: createLogger({ name: "t", level: "silent" }),
    backoff: () => {
      const b = new CountingBackoff();
      backoffs.push(b);
      return b;
    },
    onError: (message) => {
      errors.push(message);
      if (backoffs.every((b) => b.waits >= 4) || errors.length >= 40) enough();
    },
  });
  t.teardown(() => inventory.stop());
  // Restart timers are unref'd (they must not hold an agent open); hold the test open.
  const keepAlive = setInterval(() => undefined, 1000);
  t.teardown(() => clearInterval(keepAlive));
  await inventory.start();
  await reached;
  await inventory.stop();
  // Before the fix, ListWatch's "connect" (emitted before each list) reset
  // the backoff: every wait was drawn from the first 1 s window.
  t.is(backoffs.length, 2);
  for (const b of backoffs) t.true(b.attempts >= 4, `attempts ${b.attempts}`);
  t.regex(inventory.lastError ?? "", /ECONNREFUSED/);
  t.regex(errors[0] ?? "", /ECONNREFUSED/);
});
