/**
 * The `kube-simulator` command line. Each flag is one entry in `flags`, so a
 * new one (say `--run-image`) is a new entry plus a field in
 * {@link SimulatorCommand}; parsing, `--help` and errors follow from the table.
 */
import { parseArgs } from "node:util";
import { AppError, ErrorCode } from "@smart-orchestrator/shared";
import { parseRunImage, type RunImageRule } from "./pod-runner.js";

/** What the command was asked to do. */
export interface SimulatorCommand {
  /** The cluster spec: `key=value,...` or the path of a JSON file. */
  readonly cluster: string;
  /** Port on 127.0.0.1 (0: any free port). */
  readonly port: number;
  /** Where to write a kubeconfig for this simulator, if anywhere. */
  readonly kubeconfig: string | undefined;
  /** `--run-image` rules: pods with a matching image run a real process (tests only). */
  readonly runImages: readonly RunImageRule[];
  /** Resources answered 403, as if RBAC denied them (see SimulatorOptions.forbid). */
  readonly forbid: readonly string[];
  readonly help: boolean;
}

interface Flag {
  readonly type: "string" | "boolean";
  readonly multiple?: boolean;
  readonly value?: string;
  readonly help: string;
}

const flags = {
  cluster: {
    type: "string",
    value: "<spec>",
    help: "the cluster: name=pi,nodes=3,arch=arm64,... or a JSON file (see README)",
  },
  port: { type: "string", value: "N", help: "port on 127.0.0.1 (default: any free port)" },
  kubeconfig: {
    type: "string",
    value: "<file>",
    help: "write a kubeconfig for this simulator to <file> (kubectl/helm --kubeconfig)",
  },
  "run-image": {
    type: "string",
    multiple: true,
    value: "<prefix>=<cmd>",
    help: "run pods whose image starts with <prefix> as <cmd> + the pod's args (repeatable)",
  },
  forbid: {
    type: "string",
    value: "<list>",
    help: "comma-separated resources that answer 403, e.g. secrets,nodes/proxy,metrics.k8s.io",
  },
  help: { type: "boolean", help: "print this help" },
} as const satisfies Record<string, Flag>;

/** The `--help` text. */
export function commandHelp(): string {
  const rows = Object.entries(flags).map(([name, f]: [string, Flag]) => {
    const left = `--${name}${f.value ? ` ${f.value}` : ""}`;
    return `  ${left.padEnd(22)} ${f.help}`;
  });
  return `Usage: kube-simulator --cluster <spec> [--port N] [--kubeconfig <file>] [--forbid <list>]\n${rows.join("\n")}\n`;
}

function invalid(message: string): AppError {
  return new AppError(ErrorCode.InvalidArgument, message);
}

/** Parses the arguments after the program name; throws an InvalidArgument AppError naming the flag. */
export function parseCommandLine(argv: readonly string[]): SimulatorCommand {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: flags, strict: true }));
  } catch (err) {
    throw invalid((err as Error).message);
  }
  const help = values.help === true;
  const cluster = values.cluster;
  if (!help && (typeof cluster !== "string" || cluster === ""))
    throw invalid("--cluster is required (e.g. --cluster name=pi,nodes=3,arch=arm64)");
  const portText = values.port;
  let port = 0;
  if (typeof portText === "string") {
    port = Number(portText);
    if (!/^\d+$/.test(portText) || port > 65535)
      throw invalid(`--port must be a number from 0 to 65535, got ${JSON.stringify(portText)}`);
  }
  const kubeconfig = values.kubeconfig;
  if (kubeconfig === "") throw invalid("--kubeconfig needs a file path");
  let runImages: RunImageRule[];
  try {
    runImages = ((values["run-image"] as string[] | undefined) ?? []).map(parseRunImage);
  } catch (err) {
    throw invalid((err as Error).message);
  }
  return {
    cluster: typeof cluster === "string" ? cluster : "",
    runImages,
    port,
    kubeconfig: typeof kubeconfig === "string" ? kubeconfig : undefined,
    forbid:
      typeof values.forbid === "string"
        ? values.forbid
            .split(",")
            .map((x) => x.trim())
            .filter(Boolean)
        : [],
    help,
  };
}
