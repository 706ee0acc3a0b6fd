import { AppError, createLogger } from "@smart-orchestrator/shared";
import { configHelp, loadConfig } from "./config.js";
import { createControlPlane } from "./control-plane.js";
import { ListenError } from "./net/listen-error.js";

if (process.argv.includes("--help")) {
  process.stdout.write(
    `Usage: control-plane [flags]\nFlags and environment variables:\n${configHelp()}\n`,
  );
  process.exit(0);
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env, process.argv.slice(2));
} catch (err) {
  process.stderr.write(
    `invalid configuration: ${err instanceof AppError ? err.message : String(err)}\n`,
  );
  process.exit(2);
}

const log = createLogger({ name: "control-plane", level: config.logLevel });
let plane: Awaited<ReturnType<typeof createControlPlane>>;
try {
  plane = await createControlPlane({ config, log });
} catch (err) {
  // A busy port is a setting to change: one line naming it, status 2 as for an invalid setting.
  if (err instanceof ListenError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  // A known start-up failure (e.g. MongoDB unreachable) is one line, not a stack.
  if (!(err instanceof AppError)) throw err;
  process.stderr.write(`start-up failed: ${err.message.replace(/\s+/g, " ")}\n`);
  process.exit(1);
}
if (plane.generatedAdminToken) {
  process.stdout.write(
    `\nGenerated admin token (shown once; only its hash is stored):\n\n  ${plane.generatedAdminToken}\n\nSet SO_ADMIN_TOKEN to choose your own.\n\n`,
  );
}

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    plane.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  });
}
