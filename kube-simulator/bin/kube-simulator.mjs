#!/usr/bin/env node
// The kube-simulator command: loads the TypeScript entry point through tsx,
// so the package runs from source like the rest of the workspace.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");
