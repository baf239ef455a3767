/**
 * Import rules between Layerlab's layers (see README "Layout").
 * src-core is pure: it runs in workers, utility processes and browsers, so it may
 * import neither Node built-ins, Electron, nor anything of ours outside src-core.
 * (Use of DOM or Node *globals* is caught by src-core/tsconfig.json, which has
 * neither library's types.)
 */
module.exports = {
  forbidden: [
    {
      name: 'core-no-node-builtins',
      severity: 'error',
      comment: 'src-core must not import Node built-ins; inject file access instead.',
      from: { path: '^src-core/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'core-no-electron-or-dom-libs',
      severity: 'error',
      comment: 'src-core must not import Electron or browser-only packages.',
      from: { path: '^src-core/' },
      to: { path: '(^|/)node_modules/(electron|@electron|jsdom|svelte|chart\\.js|better-sqlite3|onnxruntime-node)(/|$)' },
    },
    {
      name: 'core-imports-only-core',
      severity: 'error',
      comment: 'src-core imports nothing of ours outside src-core.',
      from: { path: '^src-core/' },
      to: { path: '^(src-main|src-renderer|test|scripts|bin)/' },
    },
    {
      name: 'nothing-imports-renderer',
      severity: 'error',
      comment: 'The renderer is a leaf: nothing imports it.',
      from: { pathNot: '^src-renderer/' },
      to: { path: '^src-renderer/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
