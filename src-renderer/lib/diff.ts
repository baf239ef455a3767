/** The fields that differ between configs, as dotted paths with each config's value. */
export function flatten(value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null)) {
    out[prefix] = `[${value.join(', ')}]`;
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out[prefix] = value === undefined ? '' : JSON.stringify(value);
  }
  return out;
}

export function configDiff(configs: unknown[]): { path: string; values: string[] }[] {
  const flat = configs.map((c) => flatten(c));
  const paths = [...new Set(flat.flatMap((f) => Object.keys(f)))].filter((p) => p !== 'name').sort();
  return paths
    .map((path) => ({ path, values: flat.map((f) => f[path] ?? '—') }))
    .filter((row) => new Set(row.values).size > 1);
}
