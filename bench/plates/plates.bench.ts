import { normalisePlate, PlateIndex } from '../../libs/vehicles/src';

// List check: 1,000,000 list entries under the confusion policy (a tenth under the edit
// policy), reads checked one at a time against them; the floor is one exact Map lookup of
// the same normalised reads. Prints JSON; `floors` are measured in the same run.
const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 1_000_000);
const READS = Number(process.env.BENCH_READS ?? 200_000);
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

let seed = 20_260_115;
function random(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
}
const digit = () => String(Math.floor(random() * 10));
const letter = () => LETTERS[Math.floor(random() * 26)]!;
const region = () => String(1 + Math.floor(random() * 20)).padStart(2, '0');
const plate = () => `${digit()}${digit()}${digit()}${letter()}${letter()}${letter()}${region()}`;

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function main(): void {
  const index = new PlateIndex();
  const exact = new Map<string, string>();
  const listed: string[] = [];
  const built = process.hrtime.bigint();
  for (let i = 0; i < ENTRIES; i++) {
    const p = plate();
    listed.push(p);
    const entry = {
      entryId: `e${i}`,
      listId: 'stolen',
      plate: p,
      policy: i % 10 === 0 ? ('edit' as const) : ('confusion' as const),
      category: 'stolen',
      priority: 80,
      expiresAtMs: null,
    };
    index.upsert(entry);
    exact.set(p, entry.entryId);
  }
  const buildMs = Number(process.hrtime.bigint() - built) / 1e6;
  const heapMb = process.memoryUsage().heapUsed / 2 ** 20;

  // a read in 100 is a listed car, a few of them with one confusion; the rest are on no list
  const reads = Array.from({ length: READS }, (_, i) => {
    if (i % 100 === 0) {
      const p = listed[Math.floor(random() * listed.length)]!;
      return i % 200 === 0
        ? p.replace(/O|0|B|8|S|5/, (c) => ({ O: '0', 0: 'O', B: '8', 8: 'B', S: '5', 5: 'S' })[c]!)
        : p;
    }
    return `${plate().slice(0, 3)} ${plate().slice(3)}`;
  });
  const now = Date.now();
  const checked = new Float64Array(READS);
  const floor = new Float64Array(READS);
  let hits = 0;
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < READS; i++) {
      const t0 = process.hrtime.bigint();
      const n = normalisePlate(reads[i]!)!;
      const found = index.match({ plate: n.text, nowMs: now });
      const t1 = process.hrtime.bigint();
      if (round === 1) {
        checked[i] = Number(t1 - t0) / 1e6;
        hits += found.length > 0 ? 1 : 0;
      }
    }
    for (let i = 0; i < READS; i++) {
      const t0 = process.hrtime.bigint();
      const n = normalisePlate(reads[i]!)!;
      exact.get(n.text);
      const t1 = process.hrtime.bigint();
      if (round === 1) floor[i] = Number(t1 - t0) / 1e6;
    }
  }
  checked.sort();
  floor.sort();
  const result = {
    bench: 'plates.list-check',
    entries: ENTRIES,
    reads: READS,
    policy: 'confusion (90%) and edit (10%)',
    build_ms: Math.round(buildMs),
    heap_mb: Math.round(heapMb),
    hits,
    list_check_ms: {
      p50: percentile(checked, 0.5),
      p99: percentile(checked, 0.99),
      max: checked[READS - 1],
    },
    floors: {
      exact_map_ms: { p50: percentile(floor, 0.5), p99: percentile(floor, 0.99) },
    },
    target: { p99_ms: 0.2 },
    pass: percentile(checked, 0.99) <= 0.2,
  };
  console.log(JSON.stringify(result, null, 2));
}

main();
