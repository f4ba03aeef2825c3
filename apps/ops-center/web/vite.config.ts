import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The console is served by ops-center under /console from dist/console.
export default defineConfig({
  root: __dirname,
  base: '/console/',
  build: {
    outDir: resolve(__dirname, '../../../dist/console'),
    emptyOutDir: true,
    target: 'es2022',
  },
});
