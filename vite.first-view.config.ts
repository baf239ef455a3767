/**
 * The renderer's server build: src-renderer/first-view.ts, the runs view rendered to HTML
 * by `layerlab ui` (src-main/ui-server/first-view.ts), into out/first-view/first-view.mjs.
 * Self-contained (Svelte's server runtime included; the lazy views' chunks beside it, never
 * loaded), so that it loads from the build wherever the CLI runs. `npm run build` makes it after electron-vite's build.
 */
import { resolve } from 'node:path';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const root = import.meta.dirname;

export default defineConfig({
  root: resolve(root, 'src-renderer'),
  plugins: [svelte()],
  publicDir: false,
  ssr: { noExternal: true },
  build: {
    ssr: resolve(root, 'src-renderer/first-view.ts'),
    outDir: resolve(root, 'out/first-view'),
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    // .mjs: ES modules wherever the folder is, inside a "type": "module" package or not.
    rollupOptions: { output: { format: 'es', entryFileNames: '[name].mjs', chunkFileNames: 'assets/[name]-[hash].mjs' } },
  },
});
