/**
 * `layerlab gradcheck CONFIG.json [--examples N] [--entries N] [--json]`
 *
 * Builds the config's network with its initial weights and data, and compares
 * backprop's gradients with two-sided differences (ε = 1e-7) per parameter.
 * Exits 1 when any difference is above 2e-7, the course's threshold.
 */
import { parseArgs } from 'node:util';
import { prepareExperiment } from '../../src-core/experiment';
import { gradientCheck } from '../../src-core/gradcheck';
import { sliceColumns } from '../../src-core/network';
import { filesRelativeTo } from '../data/files';
import { ConfigFileError, readConfigFile } from '../runner/config-file';
import { CliError, type Command } from './command';

const USAGE = 'usage: layerlab gradcheck CONFIG.json [--examples N] [--entries N] [--json]';
export const THRESHOLD = 2e-7;

export const command: Command = {
  summary: 'check backprop against finite differences for a config',
  async run(args) {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        allowPositionals: true,
        options: {
          examples: { type: 'string', default: '64' },
          entries: { type: 'string', default: '200' },
          json: { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
        },
      });
    } catch (error) {
      throw new CliError(`${(error as Error).message}\n${USAGE}`, 2);
    }
    const { values, positionals } = parsed;
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new CliError(USAGE, 2);
    const examples = positiveInt(values.examples, '--examples');
    const entries = positiveInt(values.entries, '--entries');
    const loaded = await readConfigFile(positionals[0]).catch((error) => {
      throw error instanceof ConfigFileError ? new CliError(error.message, 2) : error;
    });
    // Gradient checking needs float64 and a deterministic cost: no dropout.
    const config = { ...loaded.config, precision: 'float64' as const };
    const prepared = await prepareExperiment(config, filesRelativeTo(loaded.baseDir, { regression: config.model.output === 'linear' }));
    const m = Math.min(examples, prepared.data.X.cols);
    const X = sliceColumns(prepared.data.X, 0, m);
    const Y = sliceColumns(prepared.data.Y, 0, m);
    const result = gradientCheck(prepared.network, X, Y, { l2: config.train.l2, maxEntriesPerParameter: entries });
    const passed = result.parameters.every((p) => p.difference <= THRESHOLD) && result.overall <= THRESHOLD;
    if (values.json) {
      console.log(JSON.stringify({ ...result, examples: m, threshold: THRESHOLD, passed }, null, 2));
    } else {
      const dropout = config.train.keep_prob !== 1 ? ' (dropout is off while checking)' : '';
      console.log(`gradient check on ${m} examples, ε = ${result.epsilon}${dropout}`);
      console.log('parameter      size   checked   difference');
      for (const p of result.parameters) {
        const flag = p.difference <= THRESHOLD ? 'ok' : 'TOO LARGE';
        console.log(`${p.name.padEnd(10)} ${String(p.size).padStart(8)} ${String(p.checked).padStart(9)}   ${p.difference.toExponential(3)}  ${flag}`);
      }
      console.log(`${'overall'.padEnd(30)}${result.overall.toExponential(3)}  ${passed ? 'ok' : `above ${THRESHOLD}`}`);
    }
    return passed ? 0 : 1;
  },
};

function positiveInt(text: string | undefined, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${flag} must be a positive integer, got '${text}'`, 2);
  return n;
}
