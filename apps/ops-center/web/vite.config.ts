import { svelte } from '@sveltejs/vite-plugin-svelte';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The console (Svelte 5) is served by ops-center under /console from dist/console.
export default defineConfig({
  root: __dirname,
  base: '/console/',
  plugins: [svelte({ configFile: false })],
  build: {
    outDir: resolve(__dirname, '../../../dist/console'),
    emptyOutDir: true,
    target: 'es2022',
  },
});
