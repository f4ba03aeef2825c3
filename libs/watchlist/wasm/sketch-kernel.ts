// AssemblyScript, compiled to WebAssembly by `npm run build:wasm` (tools/build-wasm.mjs) into
// libs/watchlist/src/vector-index/sketch-kernel.wasm.ts. The inner loops of SketchVectorIndex:
// JavaScript has no 64-bit popcount and no SIMD, and these loops run over every stored face.

/**
 * Hamming distance from the query's code to each of `count` codes of `words` 64-bit words,
 * written as u16 to `distances`. Nothing else happens per row: counting distances into a
 * histogram here made the scan 40% slower, so the caller counts a sample instead.
 */
export function hammingScan(
  codes: usize,
  count: u32,
  words: u32,
  query: usize,
  distances: usize,
): void {
  if (words == 4) {
    scan4(codes, count, query, distances);
    return;
  }
  const stride = (<usize>words) << 3;
  for (let i: u32 = 0, row = codes; i < count; i++, row += stride) {
    let d: u64 = 0;
    for (let w: usize = 0; w < stride; w += 8) {
      d += popcnt<u64>(load<u64>(row + w) ^ load<u64>(query + w));
    }
    store<u16>(distances + ((<usize>i) << 1), <u16>d);
  }
}

function scan4(codes: usize, count: u32, query: usize, distances: usize): void {
  const q0 = load<u64>(query);
  const q1 = load<u64>(query, 8);
  const q2 = load<u64>(query, 16);
  const q3 = load<u64>(query, 24);
  for (let i: u32 = 0, row = codes; i < count; i++, row += 32) {
    const d =
      popcnt<u64>(load<u64>(row) ^ q0) +
      popcnt<u64>(load<u64>(row, 8) ^ q1) +
      popcnt<u64>(load<u64>(row, 16) ^ q2) +
      popcnt<u64>(load<u64>(row, 24) ^ q3);
    store<u16>(distances + ((<usize>i) << 1), <u16>d);
  }
}

/** Adds the first `count` distances, one in every `step`, to `histogram` (u32 per distance). */
export function countDistances(distances: usize, count: u32, step: u32, histogram: usize): void {
  for (let i: u32 = 0; i < count; i += step) {
    const bucket = histogram + ((<usize>load<u16>(distances + ((<usize>i) << 1))) << 2);
    store<u32>(bucket, load<u32>(bucket) + 1);
  }
}

/**
 * Row numbers, in row order, of every distance below `cutoff` and of the first `atCutoff`
 * distances equal to it; returns how many were written to `out`. Sixteen distances are tested
 * at once: almost every group of sixteen holds none of the few nearest.
 */
export function collectNearest(
  distances: usize,
  count: u32,
  cutoff: u32,
  atCutoff: u32,
  out: usize,
): u32 {
  const limit = i16x8.splat(<i16>cutoff);
  let n: u32 = 0;
  let ties: u32 = 0;
  let i: u32 = 0;
  for (; i + 16 <= count; i += 16) {
    const at = distances + ((<usize>i) << 1);
    const near = v128.or(
      i16x8.le_u(v128.load(at), limit),
      i16x8.le_u(v128.load(at, 16), limit),
    );
    if (!v128.any_true(near)) continue;
    for (let j = i; j < i + 16; j++) {
      const d = <u32>load<u16>(distances + ((<usize>j) << 1));
      if (d > cutoff || (d == cutoff && ties++ >= atCutoff)) continue;
      store<u32>(out + ((<usize>n) << 2), j);
      n++;
    }
  }
  for (; i < count; i++) {
    const d = <u32>load<u16>(distances + ((<usize>i) << 1));
    if (d > cutoff || (d == cutoff && ties++ >= atCutoff)) continue;
    store<u32>(out + ((<usize>n) << 2), i);
    n++;
  }
  return n;
}

/**
 * Dot product of the query with each listed row of `dimension` f32 values (a multiple of 4),
 * written as f32 to `scores`. The listed rows lie anywhere in memory, so each starts with a cache
 * (and often a TLB) miss: four rows are summed side by side, so their misses overlap instead of
 * queueing. Each row's sums are added in the same order as one row alone.
 */
export function dotRows(
  rows: usize,
  dimension: u32,
  listed: usize,
  n: u32,
  query: usize,
  scores: usize,
): void {
  const rowBytes = (<usize>dimension) << 2;
  let j: u32 = 0;
  for (; j + 4 <= n; j += 4) {
    const at = listed + ((<usize>j) << 2);
    const r0 = rows + <usize>load<u32>(at) * rowBytes;
    const r1 = rows + <usize>load<u32>(at, 4) * rowBytes;
    const r2 = rows + <usize>load<u32>(at, 8) * rowBytes;
    const r3 = rows + <usize>load<u32>(at, 12) * rowBytes;
    let a0 = f32x4.splat(0);
    let b0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let b1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let b2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    let b3 = f32x4.splat(0);
    let i: usize = 0;
    for (; i + 32 <= rowBytes; i += 32) {
      const qa = v128.load(query + i);
      const qb = v128.load(query + i, 16);
      a0 = f32x4.add(a0, f32x4.mul(v128.load(r0 + i), qa));
      b0 = f32x4.add(b0, f32x4.mul(v128.load(r0 + i, 16), qb));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(r1 + i), qa));
      b1 = f32x4.add(b1, f32x4.mul(v128.load(r1 + i, 16), qb));
      a2 = f32x4.add(a2, f32x4.mul(v128.load(r2 + i), qa));
      b2 = f32x4.add(b2, f32x4.mul(v128.load(r2 + i, 16), qb));
      a3 = f32x4.add(a3, f32x4.mul(v128.load(r3 + i), qa));
      b3 = f32x4.add(b3, f32x4.mul(v128.load(r3 + i, 16), qb));
    }
    for (; i < rowBytes; i += 16) {
      const qa = v128.load(query + i);
      a0 = f32x4.add(a0, f32x4.mul(v128.load(r0 + i), qa));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(r1 + i), qa));
      a2 = f32x4.add(a2, f32x4.mul(v128.load(r2 + i), qa));
      a3 = f32x4.add(a3, f32x4.mul(v128.load(r3 + i), qa));
    }
    const out = scores + ((<usize>j) << 2);
    store<f32>(out, laneSum(f32x4.add(a0, b0)));
    store<f32>(out, laneSum(f32x4.add(a1, b1)), 4);
    store<f32>(out, laneSum(f32x4.add(a2, b2)), 8);
    store<f32>(out, laneSum(f32x4.add(a3, b3)), 12);
  }
  for (; j < n; j++) {
    const row = rows + <usize>load<u32>(listed + ((<usize>j) << 2)) * rowBytes;
    let a = f32x4.splat(0);
    let b = f32x4.splat(0);
    let i: usize = 0;
    for (; i + 32 <= rowBytes; i += 32) {
      a = f32x4.add(a, f32x4.mul(v128.load(row + i), v128.load(query + i)));
      b = f32x4.add(b, f32x4.mul(v128.load(row + i, 16), v128.load(query + i, 16)));
    }
    for (; i < rowBytes; i += 16) {
      a = f32x4.add(a, f32x4.mul(v128.load(row + i), v128.load(query + i)));
    }
    store<f32>(scores + ((<usize>j) << 2), laneSum(f32x4.add(a, b)));
  }
}

// @ts-ignore: AssemblyScript decorator
@inline
function laneSum(s: v128): f32 {
  return (
    f32x4.extract_lane(s, 0) +
    f32x4.extract_lane(s, 1) +
    f32x4.extract_lane(s, 2) +
    f32x4.extract_lane(s, 3)
  );
}
