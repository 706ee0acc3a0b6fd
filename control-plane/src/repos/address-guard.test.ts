import type { LookupAddress } from "node:dns";
import test from "ava";
import { forbiddenAddressReason, guardedLookup, type Resolve } from "./address-guard.js";

test("link-local and metadata addresses are refused; private and public ones are not", (t) => {
  const refused: Array<[string, RegExp]> = [
    ["169.254.169.254", /link-local/],
    ["169.254.0.1", /link-local/],
    ["fe80::1", /link-local/],
    ["[febf::1]", /link-local/],
    ["::ffff:169.254.169.254", /link-local/],
    ["::ffff:a9fe:a9fe", /link-local/],
    ["fd00:ec2::254", /metadata/],
    ["100.100.100.200", /metadata/],
  ];
  for (const [address, reason] of refused)
    t.regex(forbiddenAddressReason(address) ?? "", reason, address);
  for (const address of [
    "10.0.0.5",
    "172.16.3.4",
    "192.168.1.10",
    "127.0.0.1",
    "::1",
    "fd00:ec2::253",
    "fd12:3456::1",
    "fec0::1",
    "169.253.255.255",
    "169.255.0.1",
    "8.8.8.8",
    "charts.example.com",
  ]) {
    t.is(forbiddenAddressReason(address), undefined, address);
  }
});

/** A resolver answering from a table, as dns.lookup with all: true. */
function fakeResolve(table: Record<string, string[]>): Resolve {
  return (hostname, callback) => {
    const addresses = table[hostname];
    if (!addresses) {
      callback(Object.assign(new Error("not found"), { code: "ENOTFOUND" }), []);
      return;
    }
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 })),
    );
  };
}

function lookupWith(
  resolve: Resolve,
  hostname: string,
  options: { all?: boolean; family?: number },
) {
  return new Promise<{ err: NodeJS.ErrnoException | null; result: unknown }>((done) => {
    guardedLookup(resolve)(
      hostname,
      options,
      (err: NodeJS.ErrnoException | null, result: string | LookupAddress[]) =>
        done({ err, result }),
    );
  });
}

test("a name resolving to a link-local or metadata address is refused, naming both", async (t) => {
  const resolve = fakeResolve({
    "metadata.internal": ["169.254.169.254"],
    "mixed.example": ["10.0.0.7", "fd00:ec2::254"],
    "charts.internal": ["10.1.2.3", "fd12::3"],
  });
  const meta = await lookupWith(resolve, "metadata.internal", { all: true });
  t.is(meta.err?.code, "ESO_FORBIDDEN_ADDRESS");
  t.regex(
    meta.err?.message ?? "",
    /169\.254\.169\.254 is a link-local address \(metadata\.internal resolves to it\)/,
  );
  const mixed = await lookupWith(resolve, "mixed.example", {});
  t.regex(
    mixed.err?.message ?? "",
    /fd00:ec2::254 is a cloud metadata address/,
    "any bad address refuses the name",
  );

  const all = await lookupWith(resolve, "charts.internal", { all: true });
  t.is(all.err, null);
  t.deepEqual(all.result, [
    { address: "10.1.2.3", family: 4 },
    { address: "fd12::3", family: 6 },
  ]);
  const v6 = await lookupWith(resolve, "charts.internal", { family: 6 });
  t.is(v6.result, "fd12::3");
  t.is((await lookupWith(resolve, "nowhere.example", {})).err?.code, "ENOTFOUND");
});
