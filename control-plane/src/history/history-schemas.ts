import { z } from "zod";
import type { HistoryPoint, LatestFigures } from "./usage-buckets.js";

/** A cluster's newest figures as `GET /clusters/:id` shows them under `latest`. */
export const LatestFiguresView = z
  .object({
    at: z.string().describe("hub time of the report the figures come from"),
    cpuFreeMillis: z.number().describe("Σ over Ready nodes of allocatable − requested CPU"),
    memoryFreeBytes: z.number().describe("Σ over Ready nodes of allocatable − requested memory"),
    rxBytesPerSecond: z
      .number()
      .nullable()
      .describe("Σ of the nodes' network receive rates; null when no node measured it"),
    readyNodes: z.number(),
    cpuUsedMillis: z
      .number()
      .nullable()
      .describe("Σ over Ready nodes of CPU in use; null when no node measured it"),
    memoryUsedBytes: z
      .number()
      .nullable()
      .describe("Σ over Ready nodes of memory in use; null when no node measured it"),
  })
  .meta({ id: "LatestFigures" });

/** A cluster's newest figures as the REST API shows them. */
export type LatestFiguresView = z.output<typeof LatestFiguresView>;

/** Maps in-memory figures to their REST form. */
export function toLatestFiguresView(f: LatestFigures): LatestFiguresView {
  return {
    at: new Date(f.at).toISOString(),
    cpuFreeMillis: f.cpuFreeMillis,
    memoryFreeBytes: f.memoryFreeBytes,
    rxBytesPerSecond: f.rxBytesPerSecond,
    readyNodes: f.readyNodes,
    cpuUsedMillis: f.cpuUsedMillis,
    memoryUsedBytes: f.memoryUsedBytes,
  };
}

/** Query of `GET /clusters/:id/history`: an ISO 8601 time range, `to` exclusive. */
export const HistoryQuery = z.strictObject({
  from: z.iso
    .datetime({ offset: true })
    .optional()
    .describe("inclusive start (ISO 8601); default 24 h before `to`"),
  to: z.iso.datetime({ offset: true }).optional().describe("exclusive end (ISO 8601); default now"),
});

const HistoryPointView = z
  .object({
    at: z.string().describe("start of the 5-minute bucket"),
    cpuFreeMillis: z.number().describe("mean over the bucket"),
    memoryFreeBytes: z.number().describe("mean over the bucket"),
    rxBytesPerSecond: z.number().nullable().describe("mean; null when never measured"),
    cpuFreeMinMillis: z.number(),
    memoryFreeMinBytes: z.number(),
    rxMaxBytesPerSecond: z.number().nullable(),
    samples: z.number().describe("reports folded into the point"),
    cpuUsedMillis: z.number().nullable().describe("mean CPU in use; null when never measured"),
    memoryUsedBytes: z.number().nullable().describe("mean memory in use; null when never measured"),
  })
  .meta({ id: "HistoryPoint" });

/** Response of `GET /clusters/:id/history`. */
export const HistoryView = z
  .object({
    clusterId: z.string(),
    from: z.string(),
    to: z.string(),
    stepSeconds: z.number(),
    points: z.array(HistoryPointView),
  })
  .meta({ id: "UsageHistory" });

/** Response of `GET /clusters/:id/history`. */
export type HistoryView = z.output<typeof HistoryView>;

/** Maps a stored point to its REST form. */
export function toHistoryPointView(p: HistoryPoint): z.output<typeof HistoryPointView> {
  return { ...p, at: new Date(p.at).toISOString() };
}
