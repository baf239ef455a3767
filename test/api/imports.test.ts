/**
 * Data files brought into the workbench: what the form is shown of a CSV, and the files
 * that are refused at import with what is wrong and where (the probe of bad input through
 * the app: before, an empty or binary file got the form's "must have at least 1 item" and
 * a header-only, ragged or unclosed-quote file was accepted, to fail only as a run).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectFile } from '../../src-main/api/imports';

const dir = mkdtempSync(join(tmpdir(), 'layerlab-imports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const refusal = (path: string) => inspectFile(path).then(() => null, (e: Error) => e.message);

describe('inspecting a CSV', () => {
  it('shows its header, first rows and whether it has a header', async () => {
    const info = await inspectFile(file('good.csv', 'x1,x2,species\n0.5,1,setosa\n-1,2e-3,virginica\n'));
    expect(info).toMatchObject({ kind: 'csv', columns: ['x1', 'x2', 'species'], header: true, bytes: 45 });
    expect(info.sample).toEqual([['0.5', '1', 'setosa'], ['-1', '2e-3', 'virginica']]);
    const bare = await inspectFile(file('bare.csv', '1,2,0\n3,4,1\n'));
    expect(bare).toMatchObject({ columns: ['0', '1', '2'], header: false });
    // As the core reader decides: class names under class names are data, not a header;
    // nan and inf are numbers (which training refuses or drops, with their line).
    const named = await inspectFile(file('named.csv', '1,2,setosa\n3,4,virginica\n'));
    expect(named).toMatchObject({ columns: ['0', '1', '2'], header: false });
    expect(named.sample).toHaveLength(2);
    expect(await inspectFile(file('nan.csv', 'nan,2,0\n3,inf,1\n'))).toMatchObject({ header: false });
  });

  it('refuses a header that names a column twice (the form picks columns by name)', async () => {
    expect(await refusal(file('twice.csv', 'x,y,x\n1,2,0\n'))).toBe(
      "twice.csv line 1: the column name 'x' appears more than once (columns 1 and 3); give each column its own name",
    );
  });

  it('names the first NaN, inf or empty value of each column, with its line', async () => {
    const info = await inspectFile(file('gaps.csv', 'x1,x2,y\n0.1,0.2,1\nNaN,0.4,0\n0.5,-inf,1\n0.7,,0\n,0.3,1\n'));
    expect(info.missing).toEqual([
      { line: 3, column: 'x1', value: 'NaN' },
      { line: 4, column: 'x2', value: '-inf' },
    ]);
    expect((await inspectFile(file('full.csv', 'x1,y\n1,setosa\n2,virginica\n'))).missing).toEqual([]);
  });

  it('lists the values of columns with few (a label\'s classes), and leaves out the others', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i / 7},${['b', 'a', 'c'][i % 3]},${i % 3}`);
    const info = await inspectFile(file('classes.csv', ['x,name,y', ...rows].join('\n')));
    expect(info.values).toEqual({ name: ['a', 'b', 'c'], y: ['0', '1', '2'] });
  });

  it('refuses an empty file', async () => {
    expect(await refusal(file('empty.csv', ''))).toBe('empty.csv is empty (0 bytes): a CSV needs a header row or data rows');
    expect(await refusal(file('blank.csv', '\n\n'))).toBe('blank.csv has no rows: only empty lines');
  });

  it('refuses a binary file named .csv, naming the line of its first NUL byte', async () => {
    const bytes = new TextEncoder().encode('a,b\n1,2\nx\0y\n');
    expect(await refusal(file('image.csv', bytes))).toBe(
      'image.csv is not a text file: line 3 holds a NUL byte; Layerlab reads CSV files as UTF-8 text with one example per line',
    );
  });

  it('refuses text that is not UTF-8, naming the line', async () => {
    // Latin-1 "café" in the second line's header cell.
    const bytes = Uint8Array.from([...new TextEncoder().encode('x,y\ncaf'), 0xe9, ...new TextEncoder().encode(',1\n')]);
    expect(await refusal(file('latin1.csv', bytes))).toBe('latin1.csv line 2 is not UTF-8 text: save the file as UTF-8 (in a spreadsheet, "CSV UTF-8")');
    // A UTF-8 BOM and characters beyond ASCII are fine.
    const ok = await inspectFile(file('utf8.csv', '\uFEFFcafé,y\n1,0\n'));
    expect(ok.columns).toEqual(['café', 'y']);
  });

  it('refuses a header without data rows', async () => {
    expect(await refusal(file('header.csv', 'x1,x2,y\n\n'))).toBe('header.csv has a header but no data rows');
  });

  it('refuses a short row among the first, with the core reader\'s words and its line', async () => {
    expect(await refusal(file('short.csv', 'x1,x2,y\n1,2,0\n\n3,4\n5,6,1\n'))).toBe('short.csv line 4: 2 fields, expected 3');
  });

  it('refuses a quote never closed', async () => {
    expect(await refusal(file('quote.csv', 'x1,x2,y\n1,2,0\n"3,4,1\n5,6,1\n'))).toBe(
      'quote.csv line 3: a quoted field is never closed (or text follows its closing quote)',
    );
  });
});
