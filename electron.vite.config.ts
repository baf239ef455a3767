/**
 * Builds the desktop app with electron-vite: the Electron main process, the training
 * worker, the boundary worker and the sweep trial process (src-main/electron/main.ts,
 * src-main/api/train-worker.ts, src-main/api/boundary-worker.ts, src-main/sweep/trial-process.ts), the preload bridge, and
 * the Svelte renderer. `layerlab ui` serves the same built renderer (out/renderer) in a
 * browser. The CLI never needs this build: it runs the TypeScript sources through tsx.
 */
import { resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';

const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve(root, 'src-main/electron/main.ts'),
          'train-worker': resolve(root, 'src-main/api/train-worker.ts'),
          'boundary-worker': resolve(root, 'src-main/api/boundary-worker.ts'),
          'trial-process': resolve(root, 'src-main/sweep/trial-process.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(root, 'src-main/electron/preload.ts') },
        // A sandboxed preload cannot load ES modules or other files: one CommonJS file.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'src-renderer'),
    plugins: [svelte()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      emptyOutDir: true,
      target: 'chrome120',
      // electron-vite leaves the renderer unminified; minified, the code the runs view
      // needs first downloads, parses and compiles in a fraction of the time.
      minify: true,
      // No inline scripts or styles: the CSP allows only files from 'self'.
      assetsInlineLimit: 0,
      modulePreload: { polyfill: false },
      // One stylesheet, linked from the page: a page that came with the runs table's rows
      // rendered by the server paints them styled before the app's code (app.ts, loaded
      // by main.ts) and its components are loaded.
      cssCodeSplit: false,
      rollupOptions: { input: resolve(root, 'src-renderer/index.html') },
    },
  },
});
