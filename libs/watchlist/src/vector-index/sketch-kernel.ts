import { SKETCH_KERNEL_WASM } from './sketch-kernel.wasm';

/** The part of the WebAssembly API used here (TypeScript declares it only with the DOM lib). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The exports of libs/watchlist/wasm/sketch-kernel.ts; pointers are byte offsets into `memory`. */
export interface SketchKernel {
  readonly memory: WasmMemory;
  hammingScan(codes: number, count: number, words: number, query: number, distances: number): void;
  countDistances(distances: number, count: number, step: number, histogram: number): void;
  collectNearest(
    distances: number,
    count: number,
    cutoff: number,
    atCutoff: number,
    out: number,
  ): number;
  dotRows(
    rows: number,
    dimension: number,
    listed: number,
    n: number,
    query: number,
    scores: number,
  ): void;
}

export const WASM_PAGE_BYTES = 65_536;
/** wasm32 addresses 4 GiB. */
export const MAX_WASM_PAGES = 65_536;

let compiled: object | undefined;

/** A kernel instance with a memory of its own, which the caller grows and lays out. */
export function instantiateSketchKernel(initialPages: number): SketchKernel {
  compiled ??= new wasm.Module(SKETCH_KERNEL_WASM);
  const memory = new wasm.Memory({ initial: initialPages, maximum: MAX_WASM_PAGES });
  const instance = new wasm.Instance(compiled, {
    env: {
      memory,
      abort: () => {
        throw new Error('sketch kernel aborted');
      },
    },
  });
  const exports = instance.exports as unknown as Omit<SketchKernel, 'memory'>;
  return {
    memory,
    hammingScan: exports.hammingScan,
    countDistances: exports.countDistances,
    collectNearest: exports.collectNearest,
    dotRows: exports.dotRows,
  };
}
