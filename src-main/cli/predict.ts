/**
 * `layerlab predict --model FILE --data FILE [--out FILE] [--key K] [--examples-axis auto|rows|columns]
 *                   [--labels FILE [--labels-key K] | --label COLUMN]`
 *
 * Runs a model file (.json, .npz, .safetensors, or .onnx through onnxruntime-node)
 * on raw data (.npy, .npz, .h5, .mat or .csv) with the model's own preprocessing,
 * and writes one CSV row per example: its outputs and predicted class
 * (export/csv.ts predictionsCsv). Without --out the CSV goes to standard output.
 * Given the true labels, it also reports the accuracy. Exit codes: 0 done,
 * 1 failed (a bad file), 2 bad usage.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { predictionsCsv } from '../../src-core/export';
import type { Matrix } from '../../src-core/matrix';
import { predictedClasses } from '../../src-core/metrics';
import { type ExamplesAxis, readInputData } from '../models/input-data';
import { openPredictor } from '../models/model-file';
import { CliError, type Command } from './command';

const USAGE = [
  'usage: layerlab predict --model FILE --data FILE [--out FILE] [--key K] [--examples-axis auto|rows|columns]',
  '                        [--labels FILE [--labels-key K] | --label COLUMN]',
].join('\n');

export const command: Command = {
  summary: 'predict with a model file (json, npz, safetensors, onnx) on a data file',
  async run(args) {
    const { values, positionals } = parseCli(args);
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (positionals.length) throw new CliError(`unexpected argument '${positionals[0]}'\n${USAGE}`, 2);
    if (!values.model || !values.data) throw new CliError(`--model and --data are required\n${USAGE}`, 2);
    if (values['labels-key'] && !values.labels) throw new CliError('--labels-key needs --labels FILE', 2);
    const axis = examplesAxis(values['examples-axis']);
    const label = values.label === undefined ? undefined : /^-?\d+$/.test(values.label) ? Number(values.label) : values.label;

    const predictor = await openPredictor(values.model);
    try {
      const input = await readInputData(values.data, {
        key: values.key,
        examplesAxis: axis,
        inputSize: predictor.inputSize,
        label,
        labels: values.labels ? { file: values.labels, key: values['labels-key'] } : undefined,
      });
      const A = await predictor.predict(input.X);
      const labels = input.labels ? classIndices(input.labels, input.labelNames, predictor.classNames) : null;
      const csv = predictionsCsv(A, { output: predictor.output, classNames: predictor.classNames, labels });
      const log = values.out ? console.log : console.error;
      if (values.out) await writeFile(values.out, csv);
      else process.stdout.write(csv);
      log(summary(predictor.name, A, labels, predictor.output, values.out));
      return 0;
    } finally {
      await predictor.close();
    }
  },
};

function parseCli(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        model: { type: 'string', short: 'm' },
        data: { type: 'string', short: 'd' },
        out: { type: 'string', short: 'o' },
        key: { type: 'string' },
        'examples-axis': { type: 'string' },
        labels: { type: 'string' },
        'labels-key': { type: 'string' },
        label: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new CliError(`${(error as Error).message}\n${USAGE}`, 2);
  }
}

function examplesAxis(flag: string | undefined): ExamplesAxis {
  if (flag === undefined || flag === 'auto') return 'auto';
  if (flag === '0' || flag === 'rows') return 0;
  if (flag === '-1' || flag === '1' || flag === 'columns') return -1;
  throw new CliError(`--examples-axis must be auto, rows (or 0) or columns (or -1, written --examples-axis=-1); got '${flag}'`, 2);
}

/**
 * The labels as the model's class indices. Text labels from a CSV index their
 * own sorted names; when the model has class names too, they are mapped by name.
 */
function classIndices(labels: Matrix, labelNames: string[] | null, classNames: string[] | null): Int32Array {
  const out = new Int32Array(labels.cols);
  for (let j = 0; j < labels.cols; j++) {
    const v = labels.data[j];
    if (labelNames && classNames) {
      const c = classNames.indexOf(labelNames[v]);
      if (c < 0) throw new CliError(`label '${labelNames[v]}' of example ${j} is not one of the model's classes (${classNames.join(', ')})`);
      out[j] = c;
    } else {
      out[j] = v;
    }
  }
  return out;
}

function summary(name: string, A: Matrix, labels: Int32Array | null, output: string | null, out: string | undefined): string {
  const where = out ? ` to ${out}` : '';
  const line = `predicted ${A.cols} example${A.cols === 1 ? '' : 's'} with ${name}${where}`;
  if (!labels || (output !== 'softmax' && !(output === 'sigmoid' && A.rows === 1))) return line;
  const predicted = predictedClasses(A);
  let correct = 0;
  for (let j = 0; j < predicted.length; j++) if (predicted[j] === labels[j]) correct++;
  const pct = predicted.length ? ((100 * correct) / predicted.length).toFixed(2) : '0.00';
  return `${line}\n  accuracy ${pct}% (${correct} of ${predicted.length})`;
}
