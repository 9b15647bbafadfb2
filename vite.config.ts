import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vite';

/**
 * Builds the dashboard from web/ into dist/web. The API process serves index.html at `/` and
 * the hashed files at `/assets/*` (src/api/static-dashboard.ts).
 */
export default defineConfig({
  root: fileURLToPath(new URL('./web', import.meta.url)),
  base: '/',
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    // Keeps every script and style in files, because the page's Content-Security-Policy forbids inline code.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: 'es2022',
    sourcemap: true,
  },
  server: {
    // `vite` in development forwards API calls to a local `aurora serve --port 8080`.
    host: '127.0.0.1',
    proxy: { '/api': 'http://127.0.0.1:8080', '/auth': 'http://127.0.0.1:8080' },
  },
});
