import test from "ava";
import { HostSampler } from "./host-stats.js";

test("samples this machine: memory, load, process health; missing figures say why", async (t) => {
  const sampler = new HostSampler({ scope: "host" });
  const first = await sampler.sample();
  t.is(first.scope, "host");
  t.true(first.memoryTotalBytes > 0);
  t.true(first.memoryUsedBytes > 0 && first.memoryUsedBytes <= first.memoryTotalBytes);
  t.true(first.processRssBytes > 10 * 2 ** 20);
  t.true(first.cpuPercent >= 0 && first.cpuPercent <= 100);
  t.truthy(first.unavailable.interfaces_rates, "first sample has no rates and says so");
  if (first.temperatureCelsius === undefined) t.truthy(first.unavailable.temperature_celsius);
  const second = await sampler.sample();
  t.is(second.unavailable.interfaces_rates, undefined);
  for (const i of second.interfaces) t.true(i.rxBytesPerSecond >= 0 && i.txBytesPerSecond >= 0);
});
