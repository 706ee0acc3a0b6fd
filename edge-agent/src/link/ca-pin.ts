import { connect, type DetailedPeerCertificate } from "node:tls";
import { AppError, ErrorCode, spkiHash } from "@smart-orchestrator/shared";

/**
 * Fetches the hub's certificate chain without trusting it, and returns the
 * certificate whose SPKI hash equals the pin, as PEM, to use as the only
 * trusted root. This is kubeadm's discovery-token-ca-cert-hash idea: the
 * operator's one-liner carries the hash, so no CA file has to be copied.
 */
export function fetchPinnedCa(
  host: string,
  port: number,
  pin: string,
  timeoutMs = 10_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port,
      servername: /^[\d.]+$|:/.test(host) ? undefined : host,
      rejectUnauthorized: false,
      ALPNProtocols: ["h2"],
      timeout: timeoutMs,
    });
    const done = (err: Error | undefined, pem?: string) => {
      socket.destroy();
      if (err) reject(err);
      else resolve(pem ?? "");
    };
    socket.once("timeout", () =>
      done(new AppError(ErrorCode.Unavailable, `TLS handshake with ${host}:${port} timed out`)),
    );
    socket.once("error", (err) =>
      done(
        new AppError(
          ErrorCode.Unavailable,
          `cannot reach the hub at ${host}:${port}: ${err.message}`,
          { cause: err },
        ),
      ),
    );
    socket.once("secureConnect", () => {
      const seen: string[] = [];
      let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
      const visited = new Set<DetailedPeerCertificate>();
      while (cert?.raw && !visited.has(cert)) {
        visited.add(cert);
        const hash = spkiHash(cert.raw);
        if (hash === pin) return done(undefined, toPem(cert.raw));
        seen.push(hash);
        cert = cert.issuerCertificate;
      }
      done(
        new AppError(
          ErrorCode.PermissionDenied,
          `no certificate from the hub at ${host}:${port} matches --ca-hash ${pin} (offered: ${seen.join(", ") || "none"}); refusing to connect`,
        ),
      );
    });
  });
}

function toPem(der: Buffer): string {
  const b64 = der
    .toString("base64")
    .replace(/(.{64})/g, "$1\n")
    .trim();
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}
