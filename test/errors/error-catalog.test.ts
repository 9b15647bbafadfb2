import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { ERROR_CATALOG, type ErrorCode } from '../../src/errors/catalog.js';

const codes = Object.keys(ERROR_CATALOG) as ErrorCode[];

for (const file of ['docs/errors.md', 'docs/errors.de.md']) {
  test(`${file} documents every error code with its exit code`, () => {
    const text = readFileSync(file, 'utf8');
    const rows = new Map([...text.matchAll(/^\| `([A-Z_]+)` \| (\d) \|/gm)].map((match) => [match[1], Number(match[2])]));

    for (const code of codes) {
      assert.equal(rows.get(code), ERROR_CATALOG[code].exitCode, `${code} in ${file}`);
    }
    assert.deepEqual([...rows.keys()].filter((code) => code === undefined || !(code in ERROR_CATALOG)), [], 'documented codes that no longer exist');
  });
}

test('each catalogue message differs between German and English', () => {
  for (const code of codes) {
    const entry = ERROR_CATALOG[code] as unknown as { de: (p: unknown) => string; en: (p: unknown) => string };
    const params = new Proxy({}, { get: (_target, key) => (['problems', 'available', 'tables', 'changes', 'missing'].includes(String(key)) ? [] : `<${String(key)}>`) });
    assert.notEqual(entry.de(params), entry.en(params), code);
  }
});
