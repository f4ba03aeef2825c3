import {
  Counter,
  CounterConfiguration,
  Gauge,
  GaugeConfiguration,
  Histogram,
  HistogramConfiguration,
  register,
} from 'prom-client';

/** Metrics live in prom-client's default registry, which /metrics serves. Several Nest
 * applications (or test modules) in one process share it, so creation is idempotent. */
export function counter<L extends string>(config: CounterConfiguration<L>): Counter<L> {
  const existing = register.getSingleMetric(config.name);
  return (existing as Counter<L> | undefined) ?? new Counter<L>(config);
}

export function histogram<L extends string>(config: HistogramConfiguration<L>): Histogram<L> {
  const existing = register.getSingleMetric(config.name);
  return (existing as Histogram<L> | undefined) ?? new Histogram<L>(config);
}

export function gauge<L extends string>(config: GaugeConfiguration<L>): Gauge<L> {
  const existing = register.getSingleMetric(config.name);
  return (existing as Gauge<L> | undefined) ?? new Gauge<L>(config);
}
