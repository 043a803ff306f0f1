// Builds the status UI into dist/renderer, which the agent serves on loopback (DESIGN §8).
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    // The agent serves these files under a strict CSP (script-src 'self'): no inline scripts,
    // and no module-preload polyfill injected inline.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    target: 'es2022',
    sourcemap: false,
    // The status UI, and the first-run setup page served by `vhr-agent setup`.
    rollupOptions: { input: { main: join(here, 'index.html'), setup: join(here, 'setup.html') } },
  },
});
