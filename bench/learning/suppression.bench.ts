/**
 * Learning benchmark: what "not this person" negatives cost the matcher per event. The
 * matcher's own in-memory path (WatchlistIndex.search, then WatchlistIndex.suppression for a
 * probe that crossed the threshold, as MatchingService does) over BENCH_PERSONS (10,000)
 * enrolled people, with no negatives and with BENCH_NEGATIVES (10,000) spread over
 * BENCH_NEGATIVE_PERSONS (1,000) people; the same events in both, 1% planted next to a person
 * who has negatives (the worst case: every hit pays the negatives check). Kafka, PostgreSQL and
 * the face engine are the same in both cases and are left out (bench:matcher measures them).
 *
 *   node -r ./tools/register-ts.js bench/learning/suppression.bench.ts
 *
 * Prints ONE JSON object on stdout: CPU µs per event for each case (median of BENCH_ROUNDS
 * (5) alternating rounds of BENCH_EVENTS (20,000) events) and the slowdown in percent; on a
 * shared machine rounds differ by ±10 %, so the negatives check is also timed alone (CPU µs per
 * hit, and what it adds per event at the events' hit rate).
 */
import { performance } from 'node:perf_hooks';
import { intFromEnv } from '../support/env';
import { DEFAULT_SUPPRESSION_POLICY, WatchlistIndex } from '../../libs/watchlist/src';
import {
  fillGaussian,
  normalizeInPlace,
  randomUnitRows,
  seededRandom,
} from '../../libs/watchlist/src/vector-index/testing/random-vectors';

const DIM = 512;
const PERSONS = intFromEnv('BENCH_PERSONS', 10_000, 1_000, 1_000_000);
const NEGATIVES = intFromEnv('BENCH_NEGATIVES', 10_000, 0, 1_000_000);
const NEGATIVE_PERSONS = intFromEnv('BENCH_NEGATIVE_PERSONS', 1_000, 1, 1_000_000);
const EVENTS = intFromEnv('BENCH_EVENTS', 20_000, 100, 10_000_000);
const ROUNDS = intFromEnv('BENCH_ROUNDS', 5, 1, 100);

const row = (rows: Float32Array, i: number) => rows.subarray(i * DIM, (i + 1) * DIM);

function near(base: Float32Array, noise: number, random: () => number): Float32Array {
  const v = fillGaussian(new Float32Array(DIM), random);
  normalizeInPlace(v);
  for (let i = 0; i < DIM; i++) v[i] = base[i]! + noise * v[i]!;
  return normalizeInPlace(v);
}

function build(withNegatives: boolean, faces: Float32Array, negatives: Float32Array[][]) {
  const index = new WatchlistIndex();
  for (let p = 0; p < PERSONS; p++) {
    index.upsert({
      personId: `p${p}`,
      watchlistId: 'list',
      threshold: 0.5,
      expiresAt: null,
      version: 1,
      faces: [{ photoId: `f${p}`, embedding: row(faces, p) }],
      negatives:
        withNegatives && p < NEGATIVE_PERSONS
          ? negatives[p]!.map((embedding, n) => ({
              negativeId: `n${p}-${n}`,
              embedding,
              expiresAt: null,
            }))
          : [],
      suppression: { ...DEFAULT_SUPPRESSION_POLICY, enabled: true }, // opt-in per list
    });
  }
  return index;
}

function run(index: WatchlistIndex, probes: readonly Float32Array[]) {
  let hits = 0;
  let suppressed = 0;
  const start = process.cpuUsage();
  for (const probe of probes) {
    const { best } = index.search(probe);
    if (!best || best.similarity < best.threshold) continue;
    hits += 1;
    if (index.suppression(best, probe)) suppressed += 1;
  }
  const cpu = process.cpuUsage(start);
  return { usPerEvent: (cpu.user + cpu.system) / probes.length, hits, suppressed };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function main(): void {
  const random = seededRandom(7);
  const faces = randomUnitRows(PERSONS, DIM, 1);
  const perPerson = Math.ceil(NEGATIVES / NEGATIVE_PERSONS);
  // negatives: look-alikes of the person (cosine about 0.7), as rejected hits would be
  const negatives = Array.from({ length: NEGATIVE_PERSONS }, (_, p) =>
    Array.from({ length: perPerson }, () => near(row(faces, p), 1, random)),
  );
  const probes = Array.from({ length: EVENTS }, (_, i) =>
    i % 100 === 0
      ? near(row(faces, Math.floor(random() * NEGATIVE_PERSONS)), 1, random)
      : normalizeInPlace(fillGaussian(new Float32Array(DIM), random)),
  );
  process.stderr.write(`building two indexes of ${PERSONS} people\n`);
  const plain = build(false, faces, negatives);
  const learned = build(true, faces, negatives);
  run(plain, probes.slice(0, 1000)); // warm-up
  run(learned, probes.slice(0, 1000));
  const a: number[] = [];
  const b: number[] = [];
  let last = { plain: run(plain, []), learned: run(learned, []) };
  const started = performance.now();
  for (let r = 0; r < ROUNDS; r++) {
    const x = run(plain, probes);
    const y = run(learned, probes);
    a.push(x.usPerEvent);
    b.push(y.usPerEvent);
    last = { plain: x, learned: y };
    process.stderr.write(
      `round ${r + 1}: ${x.usPerEvent.toFixed(1)} vs ${y.usPerEvent.toFixed(1)} µs\n`,
    );
  }
  // the negatives check alone, on the probes that crossed the threshold (what the with-negatives
  // case adds per hit), repeated for a measurable time: steadier than the difference above
  const hitting = probes
    .map((probe) => ({ probe, best: learned.search(probe).best }))
    .filter((h) => h.best && h.best.similarity >= h.best.threshold);
  const repeats = 200;
  const checkStart = process.cpuUsage();
  for (let r = 0; r < repeats; r++) for (const h of hitting) learned.suppression(h.best!, h.probe);
  const checkCpu = process.cpuUsage(checkStart);
  const usPerCheck = (checkCpu.user + checkCpu.system) / (repeats * hitting.length);
  const noNegatives = median(a);
  const withNegatives = median(b);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'learning-suppression',
      persons: PERSONS,
      negatives: NEGATIVE_PERSONS * perPerson,
      negativePersons: NEGATIVE_PERSONS,
      events: EVENTS,
      rounds: ROUNDS,
      hitsPerRound: last.plain.hits,
      suppressedPerRound: last.learned.suppressed,
      cpuUsPerEventNoNegatives: Number(noNegatives.toFixed(2)),
      cpuUsPerEventWithNegatives: Number(withNegatives.toFixed(2)),
      cpuUsPerNegativesCheck: Number(usPerCheck.toFixed(3)),
      negativesCheckUsPerEvent: Number(((usPerCheck * hitting.length) / EVENTS).toFixed(4)),
      negativesCheckPercentOfEvent: Number(
        (((usPerCheck * hitting.length) / EVENTS / noNegatives) * 100).toFixed(3),
      ),
      slowdownPercent: Number((((withNegatives - noNegatives) / noNegatives) * 100).toFixed(2)),
      ceilingPercent: 5,
      wallSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
    })}\n`,
  );
}

main();
