// Runs Electronegativity's scanner on a folder, writing SARIF, with no network access:
// its i18n module fetches translations over HTTP at start, so `got` is replaced by a stub
// that fails at once (the scanner then uses its bundled English strings).
// usage: node electronegativity-scan.cjs INPUT OUT.sarif
const path = require('node:path');
const Module = require('node:module');

const pkgDir = path.dirname(require.resolve('@doyensec/electronegativity/package.json'));
const gotPath = require.resolve('got', { paths: [pkgDir] });
const stub = new Module(gotPath);
const refuse = () => Promise.reject(new Error('network disabled for the scan'));
stub.exports = Object.assign(refuse, { get: refuse, head: refuse, post: refuse, stream: refuse });
stub.exports.default = stub.exports;
stub.loaded = true;
require.cache[gotPath] = stub;

const run = require('@doyensec/electronegativity');
const [input, output] = process.argv.slice(2);
run({
  input: path.resolve(input),
  output: path.resolve(output),
  isSarif: true,
  customScan: [],
  // Compares with Electron's release list, which it downloads: no network here.
  excludeFromScan: ['AvailableSecurityFixesGlobalCheck'],
  severitySet: undefined,
  confidenceSet: undefined,
  isRelative: true,
  isVerbose: false,
  electronUpgrade: undefined,
  electronVersionOverride: process.env.ELECTRON_VERSION ?? require('electron/package.json').version,
  parserPlugins: [],
}).then(
  async (result) => {
    // Electronegativity's SARIF leaves out each finding's severity and confidence; put
    // them in (the results are written in the order of the returned issues). It writes
    // the file asynchronously, after run() resolves: wait for it.
    const fs = require('node:fs');
    let sarif = null;
    for (let i = 0; i < 100 && !sarif; i++) {
      await new Promise((r) => setTimeout(r, 50));
      try {
        sarif = JSON.parse(fs.readFileSync(output, 'utf8'));
      } catch {
        sarif = null;
      }
    }
    if (!sarif) throw new Error(`Electronegativity wrote no SARIF to ${output}`);
    sarif.runs[0].results.forEach((r, i) => {
      const issue = result.issues[i];
      r.properties = { severity: issue.severity.name, confidence: issue.confidence.name, sample: issue.sample };
    });
    fs.writeFileSync(output, JSON.stringify(sarif, null, 2));
  },
).catch(
  (error) => {
    console.error(error && error.stack ? error.stack : String(error));
    process.exit(1);
  },
);
