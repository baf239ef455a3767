/** Reading a run configuration file: JSON syntax, then the schema, each error named. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type ParseError, parse as parseJsonc, printParseErrorCode } from 'jsonc-parser';
import { type RunConfig, formatIssues, parseRunConfig } from '../../src-core/config';

/** A config file that cannot be used; the message lists every problem. */
export class ConfigFileError extends Error {
  override name = 'ConfigFileError';
}

export interface LoadedConfig {
  config: RunConfig;
  /** Absolute path of the file. */
  file: string;
  /** The folder that relative paths in the config are taken from. */
  baseDir: string;
}

export async function readConfigFile(file: string): Promise<LoadedConfig> {
  const absolute = path.resolve(file);
  const name = path.basename(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigFileError(code === 'ENOENT' ? `no such config file: ${file}` : `cannot read ${file}: ${(error as Error).message}`);
  }
  return { config: parseConfigText(text, name), file: absolute, baseDir: path.dirname(absolute) };
}

/** Parses and validates config JSON text; `name` prefixes every message. */
export function parseConfigText(text: string, name: string): RunConfig {
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ConfigFileError(`${name}: not valid JSON: ${jsonErrorWithLine(text, error as Error)}`);
  }
  const result = parseRunConfig(value);
  if (!result.ok) throw new ConfigFileError(formatIssues(result.issues, name));
  return result.config;
}

/**
 * Where the JSON goes wrong, as "value expected at line 3, column 11". V8's own
 * messages name no position for many errors, so jsonc-parser (the parser behind
 * VS Code's JSON support) locates the first one, strictly: no comments, no
 * trailing commas.
 */
export function jsonErrorWithLine(text: string, error: Error): string {
  const errors: ParseError[] = [];
  parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false });
  if (errors.length === 0) return error.message;
  const { offset, error: code } = errors[0];
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  const what = printParseErrorCode(code).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return `${what} at line ${line}, column ${column}`;
}

/**
 * The config with every file path made absolute, so that a stored run still
 * finds its files whatever folder it is re-run from.
 */
export function withAbsolutePaths(config: RunConfig, baseDir: string): RunConfig {
  const abs = (file: string) => path.resolve(baseDir, file);
  const source = <T>(s: T): T => {
    if (!s || typeof s !== 'object') return s;
    const o = { ...(s as Record<string, unknown>) };
    for (const key of ['x', 'y'] as const) {
      const ref = o[key] as { file: string } | undefined;
      if (ref) o[key] = { ...ref, file: abs(ref.file) };
    }
    const labels = o.labels as { file?: string } | string[] | undefined;
    if (labels && !Array.isArray(labels) && labels.file) o.labels = { ...labels, file: abs(labels.file) };
    const csv = o.csv as { file: string } | undefined;
    if (csv) o.csv = { ...csv, file: abs(csv.file) };
    return o as T;
  };
  return {
    ...config,
    data: { ...config.data, train: source(config.data.train), test: source(config.data.test) },
    init: config.init.file ? { ...config.init, file: abs(config.init.file) } : config.init,
  };
}
