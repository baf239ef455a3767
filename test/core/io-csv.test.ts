// parseCsv: header detection, column choice, class names, the CSV dialect corners
// (quotes, BOM, CRLF, chunk boundaries) and its error messages.
import { describe, expect, it } from 'vitest';
import { parseCsv, parseNumber, type CsvOptions } from '../../src-core/io/csv.js';

const parse = (text: string | string[], opts: Partial<CsvOptions> = {}) =>
  parseCsv(text, { label: -1, name: 'data.csv', ...opts });

describe('parseCsv: columns and labels', () => {
  it('takes every other column as a feature, and maps class names in sorted order', async () => {
    const r = await parse('x1,x2,species\n1,2,setosa\n3,4,virginica\n5,6,setosa\n7,8,Iris\n', { label: 'species' });
    expect(r.featureNames).toEqual(['x1', 'x2']);
    expect(r.X.toRows()).toEqual([[1, 3, 5, 7], [2, 4, 6, 8]]);
    expect(r.classNames).toEqual(['Iris', 'setosa', 'virginica']);
    expect(r.Y.toRows()).toEqual([[1, 2, 1, 0]]);
    expect(r.dropped).toEqual([]);
  });
  it('keeps numeric labels as they are', async () => {
    const r = await parse('a,y,b\n1,1,2\n3,0,4\n', { label: 'y' });
    expect(r.classNames).toBeNull();
    expect(r.Y.toRows()).toEqual([[1, 0]]);
    expect(r.X.toRows()).toEqual([[1, 3], [2, 4]]);
  });
  it('picks features by name or index, in the order given; label by negative index', async () => {
    const r = await parse('a,b,c,y\n1,2,3,0\n4,5,6,1\n', { features: ['c', 0], label: -1 });
    expect(r.featureNames).toEqual(['c', 'a']);
    expect(r.X.toRows()).toEqual([[3, 6], [1, 4]]);
  });
  it('reads a file without a header, naming columns by index', async () => {
    const r = await parse('1,2,0\n3,4,1\n', { label: 2 });
    expect(r.featureNames).toEqual(['0', '1']);
    expect(r.X.shapeText).toBe('(2, 2)');
  });
  it('does not take a first row of data with a class name for a header', async () => {
    const r = await parse('1.5,2,cat\n3,4,dog\n', { label: 2 });
    expect(r.X.toRows()).toEqual([[1.5, 3], [2, 4]]);
    expect(r.classNames).toEqual(['cat', 'dog']);
  });
  it('obeys header: true and header: false', async () => {
    expect((await parse('1,2,0\n3,4,1\n', { header: true, label: 2 })).featureNames).toEqual(['1', '2']);
    await expect(parse('a,b,y\n3,4,1\n', { header: false, label: 2 })).rejects.toThrow(
      "data.csv line 1, column 0: 'a' is not a number",
    );
  });
  it('returns float32 matrices when asked', async () => {
    const r = await parse('x,y\n0.1,0\n', { precision: 'float32' });
    expect(r.X.data).toBeInstanceOf(Float32Array);
    expect(r.X.data[0]).toBe(Math.fround(0.1));
  });
});

describe('parseCsv: dialect', () => {
  it('reads exponents, signs, bare points and padded fields', async () => {
    const r = await parse('x,y\n1e-3,0\n-2.5E+2,0\n+.5,0\n5.,0\n  7 ,0\n', {});
    expect(Array.from(r.X.data)).toEqual([0.001, -250, 0.5, 5, 7]);
  });
  it('reads quoted fields, with delimiters, escaped quotes and line breaks inside', async () => {
    const r = await parse('"x, one","say ""hi""",label\n"1",2,"a,b"\n3,4,"c\nd"\n5,6,a\n', { label: 'label' });
    expect(r.featureNames).toEqual(['x, one', 'say "hi"']);
    expect(r.classNames).toEqual(['a', 'a,b', 'c\nd']);
    expect(r.Y.toRows()).toEqual([[1, 2, 0]]);
  });
  it('counts physical lines across quoted line breaks in messages', async () => {
    await expect(parse('x,y\n1,"a\nb"\nzz,c\n', { label: 'y' })).rejects.toThrow(
      "data.csv line 4, column 'x': 'zz' is not a number",
    );
  });
  it('strips a BOM and reads CRLF, CR and mixed line ends alike', async () => {
    const want = [[1, 3], [2, 4]];
    for (const text of [
      '\uFEFFa,b,y\r\n1,2,0\r\n3,4,1\r\n',
      'a,b,y\r1,2,0\r3,4,1',
      'a,b,y\n1,2,0\r\n3,4,1\n',
      '\uFEFFa,b,y\n1,2,0\n3,4,1',
    ]) {
      const r = await parse(text, { label: 'y' });
      expect(r.X.toRows(), JSON.stringify(text)).toEqual(want);
      expect(r.featureNames).toEqual(['a', 'b']);
    }
  });
  it('skips blank lines', async () => {
    const r = await parse('a,y\n\n1,0\n\n2,1\n\n\n', { label: 'y' });
    expect(r.X.toRows()).toEqual([[1, 2]]);
  });
  it('gives the same result however the text is cut into chunks', async () => {
    const text = '\uFEFF"x 1",x2,y\r\n1.5,"2",cat\r\n-3e2,4,"d,og"\r\n5,6,cat\r\n';
    const whole = await parse(text, { label: 'y' });
    for (let size = 1; size <= text.length; size++) {
      const pieces: string[] = [];
      for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
      const r = await parse(pieces, { label: 'y' });
      expect([r.X.toRows(), r.Y.toRows(), r.featureNames, r.classNames], `chunks of ${size}`).toEqual([
        whole.X.toRows(),
        whole.Y.toRows(),
        whole.featureNames,
        whole.classNames,
      ]);
    }
  });
  it('takes UTF-8 byte chunks, even with a character cut between two', async () => {
    const bytes = new TextEncoder().encode('\uFEFFa,café\n1,été\n2,hiver\n');
    const cut = bytes.indexOf(0xc3) + 1; // inside the two bytes of 'é'
    const r = await parseCsv([bytes.subarray(0, cut), bytes.subarray(cut)], { label: 'café' });
    expect(r.classNames).toEqual(['hiver', 'été']);
    expect(r.X.toRows()).toEqual([[1, 2]]);
  });
  it('takes async iterables of chunks', async () => {
    async function* gen() {
      yield 'a,y\n1,';
      yield '0\n2,1\n';
    }
    const r = await parseCsv(gen(), { label: 'y' });
    expect(r.X.toRows()).toEqual([[1, 2]]);
  });
});

describe('parseCsv: errors', () => {
  const cases: [string, string, Partial<CsvOptions>, string][] = [
    ['empty', '', {}, 'data.csv is empty'],
    ['only blank lines and a BOM', '\uFEFF\r\n\r\n', {}, 'data.csv is empty'],
    ['header only', 'a,b,y\n', { label: 'y' }, 'data.csv has a header but no data rows'],
    ['ragged row', 'a,b,c,y\n1,2,3,0\n1,2,0\n', { label: 'y' }, 'data.csv line 3: 3 fields, expected 4'],
    ['not a number', 'x1,x2,y\n1,abc,0\n', { label: 'y' }, "data.csv line 2, column 'x2': 'abc' is not a number"],
    ['hex is not a number', 'x,y\n0x1F,0\n', { label: 'y' }, "data.csv line 2, column 'x': '0x1F' is not a number"],
    ['missing value', 'x1,x2,y\n1,,0\n', { label: 'y' }, "data.csv line 2, column 'x2': missing value (non_finite: 'drop' leaves such rows out)"],
    ['NaN', 'x1,x2,y\n1,NaN,0\n', { label: 'y' }, "data.csv line 2, column 'x2': NaN is not a finite number (non_finite: 'drop' leaves such rows out)"],
    ['Inf', 'x1,x2,y\n1,2,0\n-inf,2,0\n', { label: 'y' }, "data.csv line 3, column 'x1': -Infinity is not a finite number"],
    ['missing label', 'x,y\n1,\n', { label: 'y' }, "data.csv line 2, column 'y': missing label"],
    ['fractional label', 'x,y\n1,0\n2,0.5\n', { label: 'y' }, "data.csv line 3, column 'y': label 0.5 is not a class index (labels must be 0, 1, 2, … or names)"],
    ['negative label', 'x,y\n1,-1\n', { label: 'y' }, "data.csv line 2, column 'y': label -1 is not a class index"],
    ['unknown column', 'x1,x2,y\n1,2,0\n', { label: 'target' }, "data.csv: no column 'target'; columns are: x1, x2, y"],
    ['name without header', '1,2,0\n', { label: 'y', header: false }, "data.csv: has no header row, so the label column must be given by index, not by the name 'y'"],
    ['index out of range', 'x,y\n1,0\n', { label: 5 }, 'data.csv: label column index 5 is out of range; rows have 2 fields'],
    ['duplicate name', 'x,x,y\n1,2,0\n', { features: ['x'], label: 'y' }, "data.csv: column name 'x' appears more than once; pick the feature column by index"],
    ['label as feature', 'x,y\n1,0\n', { features: ['x', 'y'], label: 'y' }, "data.csv: column 'y' cannot be both the label and a feature"],
    ['unclosed quote', 'x,y\n1,0\n"2,1\n3,0\n', { label: 'y' }, 'data.csv line 3: a quoted field is never closed'],
    ['text after a closing quote', 'x,y\n1,"ab"c\n', { label: 'y' }, 'data.csv line 2: a quoted field is never closed (or text follows its closing quote)'],
  ];
  it.each(cases)('%s', async (_, text, opts, message) => {
    await expect(parse(text, opts)).rejects.toThrow(message);
  });

  it("drops rows with NaN, Infinity or missing values with nonFinite: 'drop', and says which", async () => {
    const r = await parse('x1,x2,y\n1,2,0\n1,NaN,1\n3,inf,0\n,4,1\n5,6,\n7,8,1\n', { label: 'y', nonFinite: 'drop' });
    expect(r.X.toRows()).toEqual([[1, 7], [2, 8]]);
    expect(r.Y.toRows()).toEqual([[0, 1]]);
    expect(r.dropped).toEqual([3, 4, 5, 6]);
    await expect(parse('x,y\nnan,0\n', { label: 'y', nonFinite: 'drop' })).rejects.toThrow(
      'data.csv: every row was dropped for non-finite or missing values',
    );
  });
});

describe('parseNumber', () => {
  it("reads what NumPy's float() reads and nothing JavaScript-only", () => {
    expect(parseNumber('1e5')).toBe(1e5);
    expect(parseNumber(' -0.25 ')).toBe(-0.25);
    expect(parseNumber('Infinity')).toBe(Infinity);
    expect(parseNumber('-INF')).toBe(-Infinity);
    expect(parseNumber('nan')).toBeNaN();
    expect(parseNumber('100')).toBe(100);
    for (const bad of ['', '  ', '\u00a0', '0x10', '0b1', '0o7', '1_000', '1,5', 'abc', '1e', '--1']) {
      expect(parseNumber(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });
});
