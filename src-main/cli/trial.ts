/**
 * `layerlab trial CONFIG.json --out DIR [--quiet]`
 *
 * Trains one trial config without a store and writes its result into DIR: result.json
 * (status, final metrics, config, and the sweep it belongs to when CONFIG comes from a
 * `layerlab sweep --plan` folder), history.json and model.json. This is what each task of
 * an array job runs (docs/scale-out.md); `layerlab import` merges the results into a
 * store. Exit codes as `layerlab train`: 0 completed or stopped early, 1 failed, 2 bad
 * usage or config, 3 diverged, 130 cancelled.
 */
import { parseArgs } from 'node:util';
import { ConfigFileError, readConfigFile, withAbsolutePaths } from '../runner/config-file';
import { runTrialToDir } from '../sweep/scale-out';
import { CliError, type Command } from './command';
import { formatEntry, formatFinal } from './format';
import { EXIT_CODES } from './train';

const USAGE = 'usage: layerlab trial CONFIG.json --out DIR [--quiet]';

export const command: Command = {
  summary: 'train one trial config without a store, into a results folder (for array jobs)',
  async run(args) {
    const { values, positionals } = parseCli(args);
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (positionals.length !== 1 || !values.out) throw new CliError(USAGE, 2);
    const loaded = await readConfigFile(positionals[0]).catch((error) => {
      throw error instanceof ConfigFileError ? new CliError(error.message, 2) : error;
    });
    const config = withAbsolutePaths(loaded.config, loaded.baseDir);
    const controller = new AbortController();
    const onSignal = () => {
      if (controller.signal.aborted) process.exit(130);
      controller.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const { outcome, result } = await runTrialToDir(loaded.file, config, values.out, {
        signal: controller.signal,
        onEntry: values.quiet ? undefined : (entry, unit) => console.log(formatEntry(entry, unit)),
      });
      const lines = [`trial ${result.sweep ? `${result.sweep.index} ` : ''}(${outcome.name}): ${outcome.status} in ${(outcome.duration_ms / 1000).toFixed(2)} s`];
      if (outcome.reason && outcome.status !== 'completed') lines.push(`  ${outcome.reason}`);
      if (outcome.final) lines.push(...formatFinal(outcome.final));
      lines.push(`  result in ${values.out}`);
      (outcome.status === 'failed' ? console.error : console.log)(lines.join('\n'));
      return EXIT_CODES[outcome.status];
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};

function parseCli(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n${USAGE}`, 2);
  }
}
