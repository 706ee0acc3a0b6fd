import { Counter, Histogram, type Registry } from "prom-client";

/** Request counters the HTTP layer feeds; exported on `/metrics`. */
export interface HttpMetrics {
  observe(method: string, route: string, status: number, seconds: number): void;
}

/** Registers `so_http_requests_total` and `so_http_request_duration_seconds`. */
export function createHttpMetrics(registry: Registry): HttpMetrics {
  const labelNames = ["method", "route", "status"] as const;
  const total = new Counter({
    name: "so_http_requests_total",
    help: "REST requests served",
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "so_http_request_duration_seconds",
    help: "REST request latency",
    labelNames,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  });
  return {
    observe(method, route, status, seconds) {
      const labels = { method, route, status: String(status) };
      total.inc(labels);
      duration.observe(labels, seconds);
    },
  };
}
