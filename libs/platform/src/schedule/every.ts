import { SchedulerRegistry } from '@nestjs/schedule';

/** Runs `job` every `ms` milliseconds (0 or less: never) as an interval named `name` in the
 * app's SchedulerRegistry (@nestjs/schedule), which clears it before the app shuts down. The
 * timer does not hold the process open. Intervals come from the configuration, so they are
 * registered here rather than with `@Interval()`, whose period is fixed at compile time. */
export function scheduleEvery(
  registry: SchedulerRegistry,
  name: string,
  ms: number,
  job: () => unknown,
): void {
  if (ms <= 0) return;
  const timer = setInterval(() => void job(), ms);
  timer.unref();
  registry.addInterval(name, timer);
}
