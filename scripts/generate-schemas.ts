/**
 * Writes the published JSON Schemas into resources/schemas/, from the zod schemas in src-core.
 * Run it after changing a schema: `npm run schemas`. With `--check` it writes nothing and exits
 * with 1 when a committed file differs from what the schemas produce now (the tests check the
 * same thing).
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runConfigJsonSchema } from '../src-core/config';
import { sweepSpecJsonSchema } from '../src-core/sweep-spec';

const schemas: { file: string; schema: object }[] = [
  { file: '../resources/schemas/run-config.schema.json', schema: runConfigJsonSchema() },
  { file: '../resources/schemas/sweep-spec.schema.json', schema: sweepSpecJsonSchema() },
];

const check = process.argv.includes('--check');
let stale = 0;
for (const { file, schema } of schemas) {
  const path = fileURLToPath(new URL(file, import.meta.url));
  const text = `${JSON.stringify(schema, null, 2)}\n`;
  if (check) {
    let current = '';
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      // missing counts as stale
    }
    if (current !== text) {
      stale++;
      console.error(`${path} is stale: run npm run schemas`);
    }
  } else {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    console.log(`wrote ${path}`);
  }
}
process.exitCode = stale > 0 ? 1 : 0;
