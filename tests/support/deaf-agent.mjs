// A stand-in for a managed agent host that ignores its stdin closing, as an
// older or wedged agent would: the control plane's pid file is what ends it.
// Used as SO_AGENT_COMMAND by tests/integration/managed-host-process.test.ts.
process.stdin.resume();
process.stdin.on("end", () => undefined);
setInterval(() => undefined, 60_000);
