import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { AppError, createLogger, ErrorCode } from "@smart-orchestrator/shared";
import test from "ava";
import { createHttpApp } from "./http-app.js";
import { defineRoute } from "./route.js";

/** An app with one GET+POST path behind a token, and the log lines it wrote. */
async function start(t: import("ava").ExecutionContext) {
  const lines: Array<{ level: number; msg: string; status?: number }> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const handle = async (ctx: import("koa").Context) => {
    ctx.body = { ok: true };
  };
  const app = createHttpApp({
    routes: [
      defineRoute({
        method: "get",
        path: "/things",
        operationId: "a",
        summary: "",
        tag: "t",
        responses: {},
        handle,
      }),
      defineRoute({
        method: "post",
        path: "/things",
        operationId: "b",
        summary: "",
        tag: "t",
        responses: {},
        handle,
      }),
    ],
    auth: {
      verify(header) {
        if (header !== "Bearer right") throw new AppError(ErrorCode.Unauthenticated, "no token");
      },
    },
    log: createLogger({ name: "test", level: "info", destination: sink }),
    bodyLimit: 1024,
    metrics: { observe() {} },
  });
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as AddressInfo).port;
  /** Raw request: fetch refuses TRACE, so node:http sends it. */
  const send = (method: string, path: string) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: any }>(
      (resolve, reject) => {
        const req = httpRequest({ host: "127.0.0.1", port, method, path }, (res) => {
          let text = "";
          res.on("data", (c) => {
            text += c;
          });
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: text ? JSON.parse(text) : undefined,
            }),
          );
        });
        req.on("error", reject);
        req.end();
      },
    );
  return { send, lines };
}

test("TRACE on a known path is 405 with Allow, without a token, and logs no error", async (t) => {
  const { send, lines } = await start(t);
  const res = await send("TRACE", "/things");
  t.is(res.status, 405);
  t.regex(String(res.headers.allow), /GET/);
  t.regex(String(res.headers.allow), /POST/);
  t.false(String(res.headers.allow).includes("TRACE"));
  t.regex(String(res.headers["content-type"]), /application\/problem\+json/);
  t.like(res.body, {
    status: 405,
    code: 405,
    type: "urn:smart-orchestrator:problem:method-not-allowed",
  });
  t.false(
    lines.some((l) => l.level >= 50),
    "an error-level line was logged",
  );
  t.true(lines.some((l) => l.msg === "request" && l.status === 405));
});

test("a wrong method on a known path is 405 with Allow", async (t) => {
  const { send } = await start(t);
  const res = await send("DELETE", "/things");
  t.is(res.status, 405);
  t.regex(String(res.headers.allow), /GET.*POST|POST.*GET/);
  t.regex(res.body.detail, /DELETE is not allowed/);
});

test("a method the server does not implement is 501, not 500, and logs no error", async (t) => {
  const { send, lines } = await start(t);
  const res = await send("PROPFIND", "/things");
  t.is(res.status, 501);
  t.like(res.body, {
    status: 501,
    code: 501,
    type: "urn:smart-orchestrator:problem:not-implemented",
  });
  t.false(
    lines.some((l) => l.level >= 50),
    "an error-level line was logged",
  );
});

test("TRACE on an unknown path is 404, and the known methods still work", async (t) => {
  const { send } = await start(t);
  t.is((await send("TRACE", "/nowhere")).status, 404);
  t.is((await send("GET", "/things")).status, 401);
});
