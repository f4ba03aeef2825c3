import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

describe('tools/build-wasm.mjs', () => {
  it('the committed WebAssembly modules are what their AssemblyScript sources compile to', () => {
    // throws, with the stale file named on stderr, when a kernel source changed without a rebuild
    expect(() =>
      execFileSync(process.execPath, [join(__dirname, 'build-wasm.mjs'), '--check'], {
        stdio: 'pipe',
      }),
    ).not.toThrow();
  });
});
