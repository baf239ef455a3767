/**
 * `layerlab train CONFIG.json [--store DIR] [--json OUT.json] [--quiet]`
 *
 * Trains one run, records it in the store, prints the cost as the course does,
 * and writes the result JSON. Exit codes: 0 completed or stopped early,
 * 1 failed, 2 bad usage or config, 3 diverged, 130 cancelled (Ctrl-C).
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { RunStore, resolveStoreDir } from '../store';
import { filesRelativeTo } from '../data/files';
import { ConfigFileError, readConfigFile, withAbsolutePaths } from '../runner/config-file';
import { type RunOutcome, trainRun } from '../runner/train-run';
import { CliError, type Command } from './command';
import { formatEntry, formatFinal } from './format';

const USAGE = 'usage: layerlab train CONFIG.json [--store DIR] [--json OUT.json] [--quiet]';

export const EXIT_CODES: Record<RunOutcome['status'], number> = {
  completed: 0,
  stopped: 0,
  failed: 1,
  diverged: 3,
  cancelled: 130,
};

export const command: Command = {
  summary: 'train one run configuration and record it in the store',
  async run(args) {
    const { values, positionals } = parseCli(args);
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new CliError(USAGE, 2);
    const loaded = await readConfigFile(positionals[0]).catch((error) => {
      throw error instanceof ConfigFileError ? new CliError(error.message, 2) : error;
    });
    const config = withAbsolutePaths(loaded.config, loaded.baseDir);
    const store = RunStore.open(resolveStoreDir({ flag: values.store }));
    const controller = new AbortController();
    const onSigint = () => {
      if (controller.signal.aborted) process.exit(130);
      console.error('\ncancelling (Ctrl-C again to quit at once)…');
      controller.abort();
    };
    process.on('SIGINT', onSigint);
    try {
      const outcome = await trainRun({
        store,
        config,
        files: filesRelativeTo(loaded.baseDir, { regression: config.model.output === 'linear' }),
        signal: controller.signal,
        onEntry: values.quiet ? undefined : (entry, unit) => console.log(formatEntry(entry, unit)),
      });
      if (values.json) await writeFile(values.json, JSON.stringify(outcome, null, 2) + '\n');
      report(outcome, store.dir);
      return EXIT_CODES[outcome.status];
    } finally {
      process.off('SIGINT', onSigint);
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
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n${USAGE}`, 2);
  }
}

function report(outcome: RunOutcome, storeDir: string): void {
  const lines = [`run ${outcome.id} (${outcome.name}): ${outcome.status} in ${(outcome.duration_ms / 1000).toFixed(2)} s`];
  if (outcome.reason && outcome.status !== 'completed') lines.push(`  ${outcome.reason}`);
  if (outcome.final) lines.push(...formatFinal(outcome.final));
  lines.push(`  stored in ${storeDir}`);
  (outcome.status === 'failed' ? console.error : console.log)(lines.join('\n'));
}
