import { randomBytes } from "node:crypto";
import test from "ava";
import { SecretBox } from "./secret-box.js";

test("seal then open returns the value; the sealed form hides it", (t) => {
  const box = new SecretBox(randomBytes(32));
  const sealed = box.seal({ password: "hunter2" }, "ctx");
  t.false(JSON.stringify(sealed).includes("hunter2"));
  t.deepEqual(box.open(sealed, "ctx"), { password: "hunter2" });
});

test("a wrong key, a wrong context or altered data fail to open", (t) => {
  const box = new SecretBox(randomBytes(32));
  const sealed = box.seal("v", "cluster:a");
  t.throws(() => new SecretBox(randomBytes(32)).open(sealed, "cluster:a"), {
    message: /cannot decrypt/,
  });
  t.throws(() => box.open(sealed, "cluster:b"), { message: /cannot decrypt/ });
  const data = Buffer.from(sealed.data, "base64");
  data[0] = (data[0] ?? 0) ^ 1;
  t.throws(() => box.open({ ...sealed, data: data.toString("base64") }, "cluster:a"));
});
