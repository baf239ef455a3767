/**
 * Reading a sweep spec (from a file, or from the store for --resume) and expanding it into
 * trials whose configs have absolute file paths. Relative paths in the base and in the
 * parameters are taken from `base_dir`, which defaults to the spec file's folder; the
 * stored spec has base_dir filled in, so a resumed sweep finds the same files.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { formatIssues } from '../../src-core/config';
import { type SweepPlan, parseSweepSpec } from '../../src-core/sweep-spec';
import { jsonErrorWithLine, withAbsolutePaths } from '../runner/config-file';

/** A spec that cannot be used; the message lists every problem, each with its path. */
export class SweepSpecError extends Error {
  override name = 'SweepSpecError';
}

export interface LoadedSweep {
  plan: SweepPlan;
  /** The spec as written, with base_dir made absolute: what the store keeps. */
  stored: Record<string, unknown>;
  /** The folder relative file paths are taken from. */
  baseDir: string;
}

/** Reads, checks and expands a sweep spec file. */
export async function readSweepFile(file: string): Promise<LoadedSweep> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SweepSpecError(code === 'ENOENT' ? `no such sweep spec: ${file}` : `cannot read ${file}: ${(error as Error).message}`);
  }
  const name = path.basename(file);
  let value: unknown;
  try {
    value = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new SweepSpecError(`${name}: not valid JSON: ${jsonErrorWithLine(text, error as Error)}`);
  }
  return loadSweepSpec(value, path.dirname(path.resolve(file)), name);
}

/** Checks and expands a parsed spec; `dir` is where a relative base_dir starts. */
export function loadSweepSpec(value: unknown, dir: string, name = 'the sweep spec'): LoadedSweep {
  const given = typeof value === 'object' && value !== null ? (value as { base_dir?: unknown }).base_dir : undefined;
  const baseDir = typeof given === 'string' && given !== '' ? path.resolve(dir, given) : dir;
  const result = parseSweepSpec(value, { mapConfig: (config) => withAbsolutePaths(config, baseDir) });
  if (!result.ok) throw new SweepSpecError(formatIssues(result.issues, name));
  const stored: Record<string, unknown> = { ...(value as Record<string, unknown>), base_dir: baseDir };
  delete stored.$schema;
  return { plan: result.plan, stored, baseDir };
}
