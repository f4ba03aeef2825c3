/**
 * Vector index benchmark: for each size, random unit 512-d vectors and planted queries (a
 * stored vector plus noise, renormalised); the product's index (SketchVectorIndex with its
 * defaults, what the matcher uses above 2,000 faces) against the exact index (the reference
 * for recall), the bare code scan of the sketch kernel (its floor: the part every query
 * pays), and, at the sizes of --hnsw-sizes, the HNSW index; all on the main thread (one core).
 *
 *   npm run bench:index                          # 10k, 100k and 1M; HNSW at 10k only
 *   npm run bench:index -- --sizes=10000,100000 --hnsw-sizes=10000,100000
 *   (docs/BENCHMARKS.md: an HNSW build at 1M takes 19 min at M 16, hours at the M 48 of 100k)
 *
 * Prints ONE JSON object on stdout; progress goes to stderr. Knobs (--name=value):
 *   --sizes=10000,100000,1000000  --queries=1000 (planted queries per size)
 *   --exact-queries=N   queries answered by exact search too, the ground truth for recall
 *                       (default: as many as 300M row scans allow, 100 to --queries)
 *   --ef=32,64,...,2048  efSearch values tried, smallest first; stops at recall 1 or
 *                       when the median query costs more than 50 ms of CPU (the product's
 *                       efSearch, DEFAULT_HNSW_OPTIONS.efSearch, is always measured)
 *   --rerank=128,512,2048   sketch re-rank counts tried besides the product's
 *   --bands=1,1.5,1.7   extra noise ratios (cosine 0.71, 0.55, 0.51) whose planted recall
 *                       the product's index is measured at (the planted vector is the exact
 *                       top-1 there too: random vectors reach cosine 0.25 at most)
 *   --hnsw-sizes=10000  sizes at which HNSW is built and swept too
 *   --m, --ef-construction    HNSW graph parameters (default: the product's,
 *                       DEFAULT_HNSW_OPTIONS of libs/watchlist, which the matcher uses)
 *   --build-budget-s=14400    an HNSW build still running after this is abandoned (reported)
 *   --noise=0.5  noise norm relative to the stored vector (cosine to it about 0.89)
 *   --seed=1
 */
import * as os from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  DEFAULT_HNSW_OPTIONS,
  DEFAULT_SKETCH_OPTIONS,
  ExactVectorIndex,
  FACE_EMBEDDING_DIMENSION,
  HnswVectorIndex,
  SketchVectorIndex,
  VectorIndex,
} from '../../libs/watchlist/src/vector-index';
import {
  instantiateSketchKernel,
  WASM_PAGE_BYTES,
} from '../../libs/watchlist/src/vector-index/sketch-kernel';
import {
  plantedQuery,
  randomUnitRows,
  seededRandom,
} from '../../libs/watchlist/src/vector-index/testing/random-vectors';

const DIMENSION = FACE_EMBEDDING_DIMENSION;
/** WatchlistIndex.search asks the vector index for this many faces. */
const K = 16;
const WARMUP_QUERIES = 20;
const SWEEP_STOP_P50_MS = 50;
const EXACT_ROW_SCANS_BUDGET = 300_000_000;
const GOAL = { size: 1_000_000, p99Ms: 5, recallAt1: 0.99 };

interface Arguments {
  sizes: number[];
  queries: number;
  exactQueries: number | undefined;
  efValues: number[];
  rerankValues: number[];
  bands: number[];
  hnswSizes: number[];
  m: number;
  efConstruction: number;
  buildBudgetSeconds: number;
  noise: number;
  seed: number;
}

function parseArguments(argv: readonly string[]): Arguments {
  const given = new Map<string, string>();
  for (const argument of argv) {
    const match = /^--([a-z-]+)=(.+)$/.exec(argument);
    if (!match) throw new Error(`unexpected argument ${argument}: use --name=value`);
    given.set(match[1], match[2]);
  }
  const number = (name: string, fallback: number): number => {
    const raw = given.get(name);
    given.delete(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!(value > 0) || !Number.isFinite(value)) throw new Error(`--${name}=${raw}: expected > 0`);
    return value;
  };
  const integers = (name: string, fallback: number[]): number[] => {
    const raw = given.get(name);
    given.delete(name);
    if (raw === undefined) return fallback;
    const values = raw.split(',').map(Number);
    if (values.some((value) => !Number.isInteger(value) || value < 1)) {
      throw new Error(`--${name}=${raw}: expected positive integers separated by commas`);
    }
    return values;
  };
  const numbers = (name: string, fallback: number[]): number[] => {
    const raw = given.get(name);
    given.delete(name);
    if (raw === undefined) return fallback;
    const values = raw.split(',').map(Number);
    if (values.some((value) => !(value > 0) || !Number.isFinite(value))) {
      throw new Error(`--${name}=${raw}: expected positive numbers separated by commas`);
    }
    return values;
  };
  const exactQueriesGiven = given.has('exact-queries');
  const parsed: Arguments = {
    sizes: integers('sizes', [10_000, 100_000, 1_000_000]),
    queries: number('queries', 1000),
    exactQueries: exactQueriesGiven ? number('exact-queries', 1) : undefined,
    efValues: integers('ef', [32, 64, 128, 256, 512, 1024, 2048]).sort((a, b) => a - b),
    rerankValues: integers('rerank', [128, 512, 2048]),
    bands: numbers('bands', [1, 1.5, 1.7]),
    hnswSizes: integers('hnsw-sizes', [10_000]),
    m: number('m', DEFAULT_HNSW_OPTIONS.m),
    efConstruction: number('ef-construction', DEFAULT_HNSW_OPTIONS.efConstruction),
    buildBudgetSeconds: number('build-budget-s', 14400),
    noise: number('noise', 0.5),
    seed: number('seed', 1),
  };
  if (given.size > 0) throw new Error(`unknown option(s): ${[...given.keys()].join(', ')}`);
  return parsed;
}

const progress = (line: string): void => {
  process.stderr.write(`[bench:index ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

const collectGarbage = (): void => (globalThis as { gc?: () => void }).gc?.();

function memorySnapshot(): { rss: number; arrayBuffers: number; heapUsed: number } {
  collectGarbage();
  const { rss, arrayBuffers, heapUsed } = process.memoryUsage();
  return { rss, arrayBuffers, heapUsed };
}

const round = (value: number, digits = 3): number => Number(value.toFixed(digits));

function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}

interface QuerySet {
  queries: Float32Array[];
  plantedIds: string[];
  meanPlantedSimilarity: number;
}

function plantQueries(rows: Float32Array, size: number, args: Arguments): QuerySet {
  const random = seededRandom(args.seed + size);
  const queries: Float32Array[] = [];
  const plantedIds: string[] = [];
  let similaritySum = 0;
  for (let q = 0; q < args.queries; q++) {
    const target = Math.floor(random() * size);
    const stored = rows.subarray(target * DIMENSION, (target + 1) * DIMENSION);
    const query = plantedQuery(stored, args.noise, random);
    for (let i = 0; i < DIMENSION; i++) similaritySum += query[i] * stored[i];
    queries.push(query);
    plantedIds.push(vectorId(target));
  }
  return { queries, plantedIds, meanPlantedSimilarity: similaritySum / args.queries };
}

const vectorId = (row: number): string => `face-${row}`;

interface Percentiles {
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: round(percentile(sorted, 0.5)),
    p99: round(percentile(sorted, 0.99)),
    max: round(sorted[sorted.length - 1]),
    mean: round(sorted.reduce((sum, value) => sum + value, 0) / sorted.length),
  };
}

/**
 * Wall-clock latency, and the CPU time this process spent on each query: on a machine other
 * work shares, the CPU time is what the query costs one dedicated core.
 */
interface SearchRun {
  wallMs: Percentiles;
  cpuMs: Percentiles;
  topIds: string[];
}

function timeSearches(index: VectorIndex, queries: readonly Float32Array[]): SearchRun {
  for (let q = 0; q < Math.min(WARMUP_QUERIES, queries.length); q++) index.search(queries[q], K);
  const wallMs: number[] = [];
  const cpuMs: number[] = [];
  const topIds: string[] = [];
  for (const query of queries) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const matches = index.search(query, K);
    wallMs.push(performance.now() - started);
    const cpu = process.cpuUsage(cpuBefore);
    cpuMs.push((cpu.user + cpu.system) / 1000);
    topIds.push(matches[0]?.id ?? '');
  }
  return { wallMs: percentiles(wallMs), cpuMs: percentiles(cpuMs), topIds };
}

const agreement = (actual: readonly string[], expected: readonly string[]): number =>
  round(expected.filter((id, i) => actual[i] === id).length / expected.length, 4);

function insertAll(
  index: VectorIndex,
  rows: Float32Array,
  size: number,
  budgetSeconds: number,
): { inserted: number; wallMs: number; cpuMs: number } {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let inserted = 0;
  let nextReport = started + 30_000;
  for (; inserted < size; inserted++) {
    index.upsert(
      vectorId(inserted),
      rows.subarray(inserted * DIMENSION, (inserted + 1) * DIMENSION),
    );
    if (inserted % 1000 === 999) {
      const now = performance.now();
      if (now - started > budgetSeconds * 1000) {
        inserted++;
        break;
      }
      if (now >= nextReport) {
        progress(`  ${inserted + 1}/${size} inserted in ${((now - started) / 1000).toFixed(0)} s`);
        nextReport = now + 30_000;
      }
    }
  }
  const cpu = process.cpuUsage(cpuBefore);
  return {
    inserted,
    wallMs: round(performance.now() - started, 0),
    cpuMs: round((cpu.user + cpu.system) / 1000, 0),
  };
}

function benchExact(rows: Float32Array, size: number, querySet: QuerySet, exactQueries: number) {
  progress(`${size}: exact index`);
  const before = memorySnapshot();
  const exact = new ExactVectorIndex({ dimension: DIMENSION, initialCapacity: size });
  const build = insertAll(exact, rows, size, Infinity);
  const after = memorySnapshot();
  progress(`${size}: exact search, ${exactQueries} queries`);
  const run = timeSearches(exact, querySet.queries.slice(0, exactQueries));
  const bytes = after.arrayBuffers + after.heapUsed - before.arrayBuffers - before.heapUsed;
  return {
    report: {
      buildMs: build.wallMs,
      memoryBytes: bytes,
      bytesPerVector: Math.round(bytes / size),
      queries: exactQueries,
      wallMs: run.wallMs,
      cpuMs: run.cpuMs,
      plantedIsExactTop1: agreement(run.topIds, querySet.plantedIds.slice(0, exactQueries)),
    },
    exactTopIds: run.topIds,
  };
}

interface SweepPoint {
  efSearch: number;
  wallMs: Percentiles;
  cpuMs: Percentiles;
  recallAt1VsExact: number;
  plantedRecallAt1: number;
}

function benchHnsw(
  rows: Float32Array,
  size: number,
  querySet: QuerySet,
  exactTopIds: readonly string[],
  args: Arguments,
) {
  progress(`${size}: HNSW build (M=${args.m}, efConstruction=${args.efConstruction})`);
  const before = memorySnapshot();
  const hnsw = new HnswVectorIndex({
    dimension: DIMENSION,
    hnsw: { m: args.m, efConstruction: args.efConstruction, initialCapacity: size },
  });
  const build = insertAll(hnsw, rows, size, args.buildBudgetSeconds);
  const after = memorySnapshot();
  const buildReport = {
    completed: build.inserted === size,
    inserted: build.inserted,
    buildMs: build.wallMs,
    buildCpuMs: build.cpuMs,
    buildCpuMsPerVector: round(build.cpuMs / build.inserted),
    memoryBytes: after.rss - before.rss,
    bytesPerVector: Math.round((after.rss - before.rss) / build.inserted),
  };
  if (!buildReport.completed) {
    progress(`${size}: HNSW build abandoned after ${build.inserted} vectors (budget)`);
    return { ...buildReport, sweep: [], chosen: null, atProductEfSearch: null };
  }
  const sweep: SweepPoint[] = [];
  const productEf = DEFAULT_HNSW_OPTIONS.efSearch;
  for (const efSearch of args.efValues) {
    if (efSearch > productEf && !sweep.some((point) => point.efSearch === productEf)) {
      sweep.push(sweepPoint(hnsw, productEf, size, querySet, exactTopIds));
    }
    const point = sweepPoint(hnsw, efSearch, size, querySet, exactTopIds);
    sweep.push(point);
    if (point.recallAt1VsExact >= 1 && point.plantedRecallAt1 >= 1) break;
    if (point.cpuMs.p50 > SWEEP_STOP_P50_MS) break;
  }
  if (!sweep.some((point) => point.efSearch === productEf)) {
    sweep.push(sweepPoint(hnsw, productEf, size, querySet, exactTopIds));
  }
  sweep.sort((a, b) => a.efSearch - b.efSearch);
  const chosen =
    sweep.find(
      (point) =>
        point.recallAt1VsExact >= GOAL.recallAt1 && point.plantedRecallAt1 >= GOAL.recallAt1,
    ) ?? null;
  return {
    ...buildReport,
    sweep,
    chosen,
    atProductEfSearch: sweep.find((point) => point.efSearch === productEf) ?? null,
  };
}

function sweepPoint(
  hnsw: HnswVectorIndex,
  efSearch: number,
  size: number,
  querySet: QuerySet,
  exactTopIds: readonly string[],
): SweepPoint {
  hnsw.efSearch = efSearch;
  const run = timeSearches(hnsw, querySet.queries);
  const point: SweepPoint = {
    efSearch,
    wallMs: run.wallMs,
    cpuMs: run.cpuMs,
    recallAt1VsExact: agreement(run.topIds, exactTopIds),
    plantedRecallAt1: agreement(run.topIds, querySet.plantedIds),
  };
  progress(`${size}: efSearch=${efSearch} ${JSON.stringify(point)}`);
  return point;
}

interface SketchPoint {
  rerank: number;
  wallMs: Percentiles;
  cpuMs: Percentiles;
  recallAt1VsExact: number;
  plantedRecallAt1: number;
}

function benchSketch(
  rows: Float32Array,
  size: number,
  querySet: QuerySet,
  exactTopIds: readonly string[],
  args: Arguments,
) {
  progress(`${size}: sketch index build (${DEFAULT_SKETCH_OPTIONS.codeBits}-bit codes)`);
  const before = memorySnapshot();
  const product = new SketchVectorIndex({
    dimension: DIMENSION,
    sketch: { initialCapacity: size },
  });
  const build = insertAll(product, rows, size, Infinity);
  const after = memorySnapshot();
  const measure = (index: SketchVectorIndex, label: string): SketchPoint => {
    const run = timeSearches(index, querySet.queries);
    const point: SketchPoint = {
      rerank: Math.max(index.rerank, Math.ceil((size * index.rerankPerMillion) / 1e6)),
      wallMs: run.wallMs,
      cpuMs: run.cpuMs,
      recallAt1VsExact: agreement(run.topIds, exactTopIds),
      plantedRecallAt1: agreement(run.topIds, querySet.plantedIds),
    };
    progress(`${size}: sketch ${label} ${JSON.stringify(point)}`);
    return point;
  };
  const productPoint = measure(product, '(product)');
  const sweep: SketchPoint[] = [];
  for (const rerank of args.rerankValues) {
    // the same codes and rows, re-ranking a fixed count: built again (seconds), not shared
    const variant = new SketchVectorIndex({
      dimension: DIMENSION,
      sketch: { initialCapacity: size, rerank, rerankPerMillion: 0 },
    });
    insertAll(variant, rows, size, Infinity);
    sweep.push(measure(variant, `rerank=${rerank}`));
    collectGarbage();
  }
  const bands = args.bands.map((noise) => {
    const band = plantQueries(rows, size, { ...args, noise });
    const run = timeSearches(product, band.queries);
    const result = {
      noiseRatio: noise,
      meanPlantedSimilarity: round(band.meanPlantedSimilarity, 3),
      cpuMs: run.cpuMs,
      plantedRecallAt1: agreement(run.topIds, band.plantedIds),
    };
    progress(`${size}: sketch band ${JSON.stringify(result)}`);
    return result;
  });
  return {
    options: DEFAULT_SKETCH_OPTIONS,
    buildMs: build.wallMs,
    buildCpuMsPerVector: round(build.cpuMs / size, 4),
    // WebAssembly memory is not among Node's arrayBuffers: the resident set shows it
    memoryBytes: after.rss - before.rss,
    product: productPoint,
    rerankSweep: sweep,
    plantedRecallByBand: bands,
    codeScanFloor: codeScanFloor(size, args.queries),
  };
}

/** The kernel's Hamming scan alone over `size` random codes of the product's length: what
 * every query pays before re-ranking, on the same memory layout. */
function codeScanFloor(size: number, queries: number): { cpuMs: Percentiles; wallMs: Percentiles } {
  const codeBytes = DEFAULT_SKETCH_OPTIONS.codeBits / 8;
  const queryCode = 64;
  const distances = Math.ceil((queryCode + codeBytes) / 64) * 64;
  const codes = distances + Math.ceil((size * 2) / 64) * 64;
  const end = codes + size * codeBytes;
  const kernel = instantiateSketchKernel(Math.ceil(end / WASM_PAGE_BYTES));
  const bytes = new Uint8Array(kernel.memory.buffer);
  const random = seededRandom(size);
  for (let i = codes; i < end; i++) bytes[i] = Math.floor(random() * 256);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let q = 0; q < WARMUP_QUERIES + queries; q++) {
    for (let i = 0; i < codeBytes; i++) bytes[queryCode + i] = Math.floor(random() * 256);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    kernel.hammingScan(codes, size, codeBytes / 8, queryCode, distances);
    if (q < WARMUP_QUERIES) continue;
    wall.push(performance.now() - started);
    const used = process.cpuUsage(cpuBefore);
    cpu.push((used.user + used.system) / 1000);
  }
  return { cpuMs: percentiles(cpu), wallMs: percentiles(wall) };
}

function main(): void {
  const args = parseArguments(process.argv.slice(2));
  const startedAt = new Date();
  const loadAverageAtStart = os.loadavg().map((load) => round(load, 2));
  const results = [];
  for (const size of args.sizes) {
    const loadAverageBefore = os.loadavg().map((load) => round(load, 2));
    progress(`${size}: generating ${size} random unit ${DIMENSION}-d vectors`);
    const rows = randomUnitRows(size, DIMENSION, args.seed);
    const querySet = plantQueries(rows, size, args);
    const exactQueries = Math.min(
      args.queries,
      args.exactQueries ?? Math.max(100, Math.floor(EXACT_ROW_SCANS_BUDGET / size)),
    );
    const exact = benchExact(rows, size, querySet, exactQueries);
    collectGarbage();
    const sketch = benchSketch(rows, size, querySet, exact.exactTopIds, args);
    collectGarbage();
    const hnsw = args.hnswSizes.includes(size)
      ? benchHnsw(rows, size, querySet, exact.exactTopIds, args)
      : null;
    const result = {
      size,
      queries: args.queries,
      meanPlantedSimilarity: round(querySet.meanPlantedSimilarity, 4),
      exact: exact.report,
      sketch,
      hnsw,
      loadAverage: { before: loadAverageBefore, after: os.loadavg().map((load) => round(load, 2)) },
    };
    results.push(result);
    // a long run that is interrupted still leaves the sizes it finished in the log
    progress(`${size}: done ${JSON.stringify(result)}`);
    collectGarbage();
  }
  const atGoalSize = results.find((result) => result.size === GOAL.size);
  const goalPoint = atGoalSize?.sketch.product;
  const goalRecall = goalPoint
    ? Math.min(goalPoint.recallAt1VsExact, goalPoint.plantedRecallAt1)
    : 0;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'index',
      startedAt: startedAt.toISOString(),
      seconds: round((Date.now() - startedAt.getTime()) / 1000, 0),
      machine: {
        cpu: os.cpus()[0]?.model,
        cores: os.cpus().length,
        node: process.version,
        loadAverageAtStart,
        loadAverageAtEnd: os.loadavg().map((load) => round(load, 2)),
      },
      threads: 1,
      options: args,
      dimension: DIMENSION,
      k: K,
      noiseRatio: args.noise,
      hnswParameters: { m: args.m, efConstruction: args.efConstruction },
      goal: {
        ...GOAL,
        metOnCpuTime: goalPoint
          ? goalPoint.cpuMs.p99 <= GOAL.p99Ms && goalRecall >= GOAL.recallAt1
          : null,
        metOnWallClock: goalPoint
          ? goalPoint.wallMs.p99 <= GOAL.p99Ms && goalRecall >= GOAL.recallAt1
          : null,
      },
      results,
    })}\n`,
  );
}

main();
