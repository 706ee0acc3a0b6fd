import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "@smart-orchestrator/shared";
import { type ControlPlaneConfig, loadConfig } from "../config.js";
import { type ControlPlane, createControlPlane } from "../control-plane.js";

/** A control plane on a free port over a throwaway data folder, for tests. */
export interface TestPlane {
  readonly plane: ControlPlane;
  readonly url: string;
  readonly token: string;
  readonly dataDir: string;
  readonly config: Readonly<ControlPlaneConfig>;
  /** Calls the API with the admin token; `headers` may override it. */
  api(method: string, path: string, options?: ApiOptions): Promise<ApiResponse>;
  close(): Promise<void>;
}

/** Options for {@link TestPlane.api}. */
export interface ApiOptions {
  /** A value to send as JSON, or a raw string sent as is. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** A response with its JSON body parsed (undefined when there is none). */
export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
}

/** The admin token test planes use. */
export const testAdminToken = "test-admin-token-0123456789";

/** Starts a control plane on port 0; pass `dataDir` to reopen an earlier one's data. */
export async function startTestPlane(
  options: { dataDir?: string; env?: Record<string, string> } = {},
): Promise<TestPlane> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "so-plane-"));
  const config = loadConfig(
    {
      SO_PORT: "0",
      SO_GRPC_PORT: "0",
      SO_HOST: "127.0.0.1",
      SO_DATA_DIR: dataDir,
      SO_ADMIN_TOKEN: testAdminToken,
      SO_LOG_LEVEL: "silent",
      ...options.env,
    },
    [],
  );
  const log = createLogger({ name: "test", level: config.logLevel });
  const plane = await createControlPlane({ config, log });
  const url = `http://127.0.0.1:${plane.httpPort}`;
  return {
    plane,
    url,
    token: testAdminToken,
    dataDir,
    config,
    async api(method, path, opts = {}) {
      const headers: Record<string, string> = { authorization: `Bearer ${testAdminToken}` };
      let body: string | undefined;
      if (opts.body !== undefined) {
        body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
        headers["content-type"] = "application/json";
      }
      const res = await fetch(url + path, {
        method,
        headers: { ...headers, ...opts.headers },
        body,
      });
      const text = await res.text();
      let parsed: unknown = text;
      if (/json/.test(res.headers.get("content-type") ?? "") && text) parsed = JSON.parse(text);
      return { status: res.status, headers: res.headers, body: text ? parsed : undefined };
    },
    close: () => plane.close(),
  };
}
