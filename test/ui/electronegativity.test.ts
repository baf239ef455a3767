/**
 * Electronegativity (Doyensec's Electron security scanner) over the Electron sources and
 * the renderer: no HIGH or MEDIUM finding may remain unfixed. The scanner exits 0 whatever
 * it finds, so the test reads its SARIF (test-results/electronegativity.sarif). A finding
 * that was reviewed rather than fixed carries an `eng-disable RULE` comment on its line
 * with the reason next to it. The scan makes no network request (see the scan script).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

interface Finding {
  ruleId: string;
  message: { text: string };
  properties: { severity: string; confidence: string };
  locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[];
}

it('finds no HIGH or MEDIUM issue in the Electron shell and the renderer', () => {
  const input = mkdtempSync(join(tmpdir(), 'layerlab-eng-'));
  try {
    // The desktop app's own code: main, preload, IPC, and the renderer with its CSP.
    cpSync(join(root, 'src-main/electron'), join(input, 'src-main/electron'), { recursive: true });
    cpSync(join(root, 'src-renderer'), join(input, 'src-renderer'), { recursive: true });
    mkdirSync(join(root, 'test-results'), { recursive: true });
    const sarifFile = join(root, 'test-results/electronegativity.sarif');
    rmSync(sarifFile, { force: true });
    execFileSync(process.execPath, [join(root, 'test/ui/electronegativity-scan.cjs'), input, sarifFile], { stdio: 'pipe', timeout: 120_000 });
    const sarif = JSON.parse(readFileSync(sarifFile, 'utf8')) as { runs: { results: Finding[] }[] };
    const findings = sarif.runs[0].results;
    const serious = findings
      .filter((f) => f.properties.severity === 'HIGH' || f.properties.severity === 'MEDIUM')
      .map((f) => {
        const at = f.locations[0].physicalLocation;
        return `${f.properties.severity} ${f.ruleId} at ${at.artifactLocation.uri}:${at.region.startLine}: ${f.message.text}`;
      });
    expect(serious).toEqual([]);
  } finally {
    rmSync(input, { recursive: true, force: true });
  }
}, 120_000);
