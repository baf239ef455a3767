/**
 * `layerlab export RUN_ID --format json|npz|safetensors|onnx|csv --out FILE [--store DIR]`
 * `layerlab export --runs --format csv --out FILE [--store DIR] [filters]`
 *
 * Writes a stored run's model in one of the export formats (docs/export.md), or
 * its metric history as CSV; with --runs, the table of runs as CSV. The format
 * may be left out when --out ends in its extension. `--out -` writes the text
 * formats (json, csv) to standard output. The store is opened read-only, so an
 * export works while runs are training. Exit codes: 0 written, 1 failed, 2 bad usage.
 */
import { readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  EXPORT_FORMATS,
  type ExportFormat,
  type RunRecord,
  exportJson,
  exportNpz,
  exportOnnx,
  exportSafetensors,
  historyCsv,
  runsCsv,
} from '../../src-core/export';
import { type LoadedModel, modelFromJson } from '../../src-core/model-file';
import { type ListRunsOptions, RunStore, resolveStoreDir } from '../store';
import { CliError, type Command } from './command';

const USAGE = [
  'usage: layerlab export RUN_ID --format json|npz|safetensors|onnx|csv --out FILE [--store DIR]',
  '       layerlab export --runs [--format csv] --out FILE [--store DIR] [--status S] [--sweep ID]',
  '                       [--tag T] [--search TEXT] [--sort KEY] [--order asc|desc] [--limit N]',
].join('\n');

const EXTENSIONS: Record<string, ExportFormat> = {
  '.json': 'json',
  '.npz': 'npz',
  '.safetensors': 'safetensors',
  '.onnx': 'onnx',
  '.csv': 'csv',
};

export const command: Command = {
  summary: "export a run's model (json, npz, safetensors, onnx) or metrics (csv)",
  async run(args) {
    const { values, positionals } = parseCli(args);
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (!values.out) throw new CliError(`--out FILE is required\n${USAGE}`, 2);
    const format = exportFormat(values.format, values.out);
    if (values.runs ? positionals.length !== 0 : positionals.length !== 1) {
      throw new CliError(values.runs ? `--runs exports every run: give no RUN_ID\n${USAGE}` : USAGE, 2);
    }
    if (values.runs && format !== 'csv') throw new CliError(`--runs exports a table of runs, which is CSV; got --format ${format}`, 2);
    if (values.out === '-' && format !== 'json' && format !== 'csv') {
      throw new CliError(`--out - writes to standard output, which is for text formats (json, csv), not ${format}`, 2);
    }
    const store = RunStore.open(resolveStoreDir({ flag: values.store }), { readonly: true });
    try {
      const output = values.runs ? runsTable(store, listOptions(values)) : exportRun(store, positionals[0], format);
      await writeOutput(values.out, output.contents);
      if (values.out !== '-') console.log(`wrote ${output.what} to ${values.out}`);
      return 0;
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
        format: { type: 'string', short: 'f' },
        out: { type: 'string', short: 'o' },
        store: { type: 'string' },
        runs: { type: 'boolean' },
        status: { type: 'string', multiple: true },
        sweep: { type: 'string' },
        tag: { type: 'string' },
        search: { type: 'string' },
        sort: { type: 'string' },
        order: { type: 'string' },
        limit: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n${USAGE}`, 2);
  }
}

function exportFormat(flag: string | undefined, out: string): ExportFormat {
  if (flag !== undefined) {
    if (!(EXPORT_FORMATS as readonly string[]).includes(flag)) {
      throw new CliError(`--format must be one of ${EXPORT_FORMATS.join(', ')}; got '${flag}'`, 2);
    }
    return flag as ExportFormat;
  }
  const lower = out.toLowerCase();
  const ext = lower.endsWith('.safetensors') ? '.safetensors' : path.extname(lower);
  const format = EXTENSIONS[ext];
  if (!format) throw new CliError(`give --format (${EXPORT_FORMATS.join(', ')}): it cannot be told from '${out}'`, 2);
  return format;
}

interface Output {
  contents: string | Uint8Array;
  what: string;
}

function exportRun(store: RunStore, ref: string, format: ExportFormat): Output {
  const id = store.resolveRunId(ref);
  const run = store.getRun(id);
  if (format === 'csv') {
    const points = store.history(id);
    if (points.length === 0) throw new CliError(`run ${id} (${run.name}) has logged no metrics yet`);
    return { contents: historyCsv(points), what: `the metric history of run ${id} (${points.length} values)` };
  }
  const model = storedModel(store, id, run.name, run.status);
  const contents =
    format === 'json'
      ? exportJson(model)
      : format === 'npz'
        ? exportNpz(model)
        : format === 'safetensors'
          ? exportSafetensors(model)
          : exportOnnx(model, { producerVersion: packageVersion() });
  return { contents, what: `the model of run ${id} (${run.name}) as ${format}` };
}

/** The model a run saved, read back from the store. */
function storedModel(store: RunStore, id: string, name: string, status: string): LoadedModel {
  const weights = store.loadWeights(id);
  if (!weights) throw new CliError(`run ${id} (${name}) has no saved model: it is ${status}${status === 'failed' ? '' : ', and a run saves its model when it ends'}`);
  if (weights.format !== 'layerlab-model-json') {
    throw new CliError(`run ${id} saved its weights as '${weights.format}', which this Layerlab cannot export`);
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(weights.bytes));
  } catch (error) {
    throw new CliError(`the saved model of run ${id} is not valid JSON: ${(error as Error).message}`);
  }
  return modelFromJson(value, `the saved model of run ${id}`);
}

function listOptions(values: ReturnType<typeof parseCli>['values']): ListRunsOptions {
  const options: ListRunsOptions = {};
  if (values.status) options.status = values.status as ListRunsOptions['status'];
  if (values.sweep) options.sweepId = values.sweep;
  if (values.tag) options.tag = values.tag;
  if (values.search) options.search = values.search;
  if (values.sort) options.sortBy = values.sort;
  if (values.order) {
    if (values.order !== 'asc' && values.order !== 'desc') throw new CliError(`--order must be asc or desc; got '${values.order}'`, 2);
    options.order = values.order;
  }
  if (values.limit) {
    const n = Number(values.limit);
    if (!Number.isInteger(n) || n < 1) throw new CliError(`--limit must be a whole number ≥ 1; got '${values.limit}'`, 2);
    options.limit = n;
  }
  return options;
}

function runsTable(store: RunStore, options: ListRunsOptions): Output {
  const runs = store.listRuns(options);
  const records: RunRecord[] = runs.map((r) => {
    let config: unknown = null;
    try {
      config = JSON.parse(store.getRun(r.id).config);
    } catch {
      // A config that is not JSON leaves its hyperparameter cells empty.
    }
    return { ...r, config };
  });
  return { contents: runsCsv(records), what: `a table of ${runs.length} run${runs.length === 1 ? '' : 's'}` };
}

/** Writes the file whole or not at all: to a temporary name first, then renamed. */
async function writeOutput(out: string, contents: string | Uint8Array): Promise<void> {
  if (out === '-') {
    process.stdout.write(contents);
    return;
  }
  const temporary = `${out}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, contents);
    await rename(temporary, out);
  } catch (error) {
    await rm(temporary, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `cannot write ${out}: its folder does not exist` : `cannot write ${out}: ${(error as Error).message}`);
  }
}

/** Layerlab's version (from package.json), recorded in ONNX files as the producer's. */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '';
  } catch {
    return '';
  }
}
