import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";

/**
 * Addresses a chart download must not reach: link-local ranges, where cloud
 * metadata services answer with instance credentials, and the metadata
 * addresses outside them. Private ranges (10/8, 192.168/16, fd00::/8, ...)
 * stay allowed because internal chart repositories live there.
 */
const refused: ReadonlyArray<{ readonly block: BlockList; readonly reason: string }> = [
  {
    block: blockList((b) => {
      b.addSubnet("169.254.0.0", 16, "ipv4");
      b.addSubnet("fe80::", 10, "ipv6");
    }),
    reason: "link-local",
  },
  {
    block: blockList((b) => {
      b.addAddress("fd00:ec2::254", "ipv6"); // AWS instance metadata over IPv6
      b.addAddress("100.100.100.200", "ipv4"); // Alibaba Cloud instance metadata
    }),
    reason: "cloud metadata",
  },
];

function blockList(fill: (b: BlockList) => void): BlockList {
  const b = new BlockList();
  fill(b);
  return b;
}

/** The error code a refused address is reported with. */
export const forbiddenAddressCode = "ESO_FORBIDDEN_ADDRESS";

/**
 * Why `address` (an IP literal, IPv4-mapped IPv6 included) may not be
 * dialled, or undefined when it may.
 */
export function forbiddenAddressReason(address: string): string | undefined {
  const bare = address.replace(/^\[|\]$/g, "");
  const family = isIP(bare);
  if (family === 0) return undefined;
  const type = family === 4 ? "ipv4" : "ipv6";
  return refused.find((r) => r.block.check(bare, type))?.reason;
}

/** An error naming the host, the address and why it is refused. */
export function forbiddenAddressError(host: string, address: string, reason: string): Error {
  const via = host === address ? "" : ` (${host} resolves to it)`;
  return Object.assign(
    new Error(
      `${address} is a ${reason} address${via}; chart repositories may not point there (SO_REPO_ALLOW_LINK_LOCAL=true allows it)`,
    ),
    { code: forbiddenAddressCode },
  );
}

/** The `dns.lookup` shape the guard resolves names with; tests inject a fake. */
export type Resolve = (
  hostname: string,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const systemResolve: Resolve = (hostname, callback) => dnsLookup(hostname, { all: true }, callback);

/**
 * A `lookup` for `http.request` that resolves every address of a name and
 * refuses the connection when any is forbidden. Checking at connect time,
 * not before the request, leaves no window for DNS rebinding.
 */
export function guardedLookup(resolve: Resolve = systemResolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, (err, addresses) => {
      const reply = callback as (
        e: NodeJS.ErrnoException | null,
        address: string | LookupAddress[],
        family?: number,
      ) => void;
      if (err) return reply(err, []);
      const wanted = addresses.filter((a) => !options.family || a.family === options.family);
      for (const a of addresses) {
        const reason = forbiddenAddressReason(a.address);
        if (reason) return reply(forbiddenAddressError(hostname, a.address, reason), []);
      }
      const first = wanted[0];
      if (!first) {
        return reply(
          Object.assign(new Error(`${hostname}: no address`), { code: "ENOTFOUND" }),
          [],
        );
      }
      if (options.all) return reply(null, wanted);
      return reply(null, first.address, first.family);
    });
  };
}
