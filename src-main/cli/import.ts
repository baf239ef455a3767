/**
 * `layerlab import RESULTS [--store DIR] [--json OUT]`
 *
 * Merges the trial results of a planned sweep (`layerlab sweep --plan`, run as an array
 * job: docs/scale-out.md) into the store: each into the sweep with the same spec, which is
 * made if the store has none. Trials the sweep already has are skipped, so importing twice
 * adds nothing. Exit codes: 0 imported (or nothing new), 1 some results could not be used,
 * 2 bad usage.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { RunStore, resolveStoreDir } from '../store';
import { importResults } from '../sweep/scale-out';
import { CliError, type Command } from './command';

const USAGE = 'usage: layerlab import RESULTS [--store DIR] [--json OUT]';

export const command: Command = {
  summary: "merge a planned sweep's trial results (from an array job) into the store",
  async run(args) {
    const { values, positionals } = parseCli(args);
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new CliError(USAGE, 2);
    const store = RunStore.open(resolveStoreDir({ flag: values.store }));
    try {
      const report = await importResults(store, positionals[0]).catch((error) => {
        throw new CliError((error as Error).message, 2);
      });
      for (const s of report.sweeps) {
        const missing = s.missing.length ? `; ${s.missing.length} trial${s.missing.length === 1 ? '' : 's'} without a result (${s.missing.slice(0, 20).join(', ')}${s.missing.length > 20 ? ', …' : ''})` : '';
        console.log(`sweep ${s.id} (${s.name})${s.created ? ', new' : ''}: imported ${s.imported}, already there ${s.skipped}${missing}; ${s.status}`);
      }
      if (report.sweeps.length === 0) console.log(`no trial results in ${positionals[0]}`);
      for (const p of report.problems) console.error(p);
      console.log(`stored in ${store.dir}`);
      if (values.json) await writeFile(values.json, `${JSON.stringify(report, null, 2)}\n`);
      return report.problems.length > 0 ? 1 : 0;
    } finally {
      store.close();
    }
  },
};

function parseCli(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        store: { type: 'string' },
        json: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n${USAGE}`, 2);
  }
}
