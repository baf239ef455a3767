/**
 * electron-builder's configuration for the installers: AppImage and deb on Linux, one dmg
 * per architecture on macOS, an NSIS installer on Windows. `npm run dist` builds the one for
 * this platform (scripts/dist.ts); docs/packaging.md says what each piece is for and what
 * was checked where.
 *
 * What goes into app.asar: the electron-vite build (out/main, out/preload, out/renderer),
 * package.json (whose "main" is out/main/index.js), and the production dependencies the
 * bundles import at run time, trimmed of sources, docs and build leftovers. Native modules
 * (`.node`) and any `.wasm` file are unpacked to app.asar.unpacked, where process.dlopen can
 * open them: better-sqlite3 finds its binary through `bindings` at a path inside app.asar,
 * which Electron redirects there. h5wasm's WebAssembly and the training core's kernels are
 * embedded in JavaScript, so there is no .wasm file to unpack today.
 */
import { readFileSync } from 'node:fs';
import type { Configuration } from 'electron-builder';
import { afterPack, beforeBuild } from './scripts/dist-hooks';

/** The file types Layerlab opens: one extension each, the same on every platform (see src-main/electron/open-file.ts). */
export const FILE_TYPES = [
  {
    ext: 'llrun',
    name: 'Layerlab run configuration',
    mimeType: 'application/x-layerlab-run+json',
    uti: 'org.layerlab.run-config',
  },
  {
    ext: 'llsweep',
    name: 'Layerlab sweep specification',
    mimeType: 'application/x-layerlab-sweep+json',
    uti: 'org.layerlab.sweep-spec',
  },
] as const;

/** Production dependencies' files the app never loads: sources, build leftovers, unused builds, docs. */
const TRIM = [
  '!**/node_modules/*/{CHANGELOG.md,README.md,readme.md,HISTORY.md,*.d.ts,*.d.cts,*.d.mts,*.map}',
  '!**/node_modules/**/*.{d.ts,d.cts,d.mts,map}',
  // better-sqlite3: the SQLite amalgamation, the C++ sources, and node-gyp's intermediate files.
  '!**/node_modules/better-sqlite3/{deps,src,binding.gyp}{,/**/*}',
  '!**/node_modules/better-sqlite3/build/{deps,*.mk,Makefile,binding.Makefile,config.gypi}{,/**/*}',
  '!**/node_modules/better-sqlite3/build/Release/{obj,obj.target,.deps,test_extension.node,*.a}{,/**/*}',
  // h5wasm: the app imports its ESM build only (its "exports" for import).
  '!**/node_modules/h5wasm/{dist/iife,dist/node,src}{,/**/*}',
  // tsx and esbuild run the CLI's TypeScript; the app runs the bundled JavaScript.
  '!**/node_modules/{tsx,esbuild,@esbuild,get-tsconfig,resolve-pkg-maps}{,/**/*}',
];

/**
 * The project page the deb package must name (electron-builder refuses a deb without one).
 * Layerlab has no public page yet: `.invalid` is reserved (RFC 2606) and never resolves, so
 * this names nobody's site. Set package.json "homepage" and it is used instead.
 */
export const PLACEHOLDER_HOMEPAGE = 'https://layerlab.invalid/';

/** The desktop entry's file name, which Electron on Linux also takes as its app_id / WM_CLASS. */
export const DESKTOP_NAME = 'layerlab-workbench.desktop';

export interface LayerlabBuildOptions {
  /**
   * Where electron-vite's output is (default: out). Packed as out/ in app.asar whatever
   * it is, so the packaging test can build elsewhere.
   */
  buildDir?: string;
}

/** package.json's "homepage", if it has one. */
function projectHomepage(): string | undefined {
  const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { homepage?: string };
  return pkg.homepage;
}

export function layerlabBuilderConfig(options: LayerlabBuildOptions = {}): Configuration {
  return {
    appId: 'org.layerlab.Layerlab',
    productName: 'Layerlab',
    copyright: 'Copyright © Layerlab contributors',
    directories: { output: 'dist', buildResources: 'resources' },
    // Written into the packaged package.json: Electron reads desktopName there.
    extraMetadata: { desktopName: DESKTOP_NAME, ...(projectHomepage() ? {} : { homepage: PLACEHOLDER_HOMEPAGE }) },
    files: [
      { from: options.buildDir ?? 'out', to: 'out', filter: ['**/*', '!**/*.map', '!first-view/**'] },
      'package.json',
      ...TRIM,
    ],
    asar: { smartUnpack: false },
    // Everything the OS loads from a real path: native modules, and WebAssembly.
    asarUnpack: ['**/*.node', '**/*.wasm'],
    // better-sqlite3 is rebuilt for the packaged Electron (@electron/rebuild); beforeBuild
    // keeps npm's nodedir out of it, afterPack refuses a module built for any other ABI.
    npmRebuild: true,
    beforeBuild,
    afterPack,
    fileAssociations: FILE_TYPES.map(({ ext, name, mimeType }) => ({ ext, name, description: name, mimeType, role: 'Editor', rank: 'Owner' })),

    linux: {
      target: ['AppImage', 'deb'],
      icon: 'icons',
      category: 'Science',
      executableName: 'layerlab-workbench',
      // Name the .desktop file after desktopName, so windows and launcher entry match.
      syncDesktopName: true,
      synopsis: 'Train, sweep and compare small neural networks',
      desktop: { entry: { Keywords: 'neural;network;training;deep learning;' } },
    },
    deb: {
      // The maintainer field Debian requires; package.json has no author email.
      maintainer: 'Layerlab contributors',
      priority: 'optional',
    },
    appImage: { artifactName: '${productName}-${version}-${arch}.${ext}' },

    mac: {
      // One dmg per architecture: each has its own better-sqlite3 build and its own ABI check,
      // and downloads are half the size of a universal app.
      target: [{ target: 'dmg', arch: ['x64', 'arm64'] }],
      icon: 'icon.icns',
      category: 'public.app-category.developer-tools',
      // Uniform Type Identifiers for the two JSON file types, so Finder knows what they are.
      extendInfo: {
        UTExportedTypeDeclarations: FILE_TYPES.map(({ ext, name, mimeType, uti }) => ({
          UTTypeIdentifier: uti,
          UTTypeDescription: name,
          UTTypeConformsTo: ['public.json', 'public.data'],
          UTTypeTagSpecification: { 'public.filename-extension': [ext], 'public.mime-type': [mimeType] },
        })),
      },
    },
    dmg: { artifactName: '${productName}-${version}-${arch}.${ext}' },

    win: {
      target: [{ target: 'nsis', arch: ['x64'] }],
      icon: 'icon.ico',
    },
    nsis: {
      oneClick: false,
      perMachine: false,
      allowToChangeInstallationDirectory: true,
      artifactName: '${productName}-Setup-${version}-${arch}.${ext}',
      installerIcon: 'icon.ico',
      uninstallerIcon: 'icon.ico',
    },
  };
}

export default layerlabBuilderConfig();
