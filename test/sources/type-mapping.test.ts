import assert from 'node:assert/strict';
import { test } from 'node:test';

import { quoteMysqlIdentifier, quoteMysqlQualifiedName } from '../../src/engine/sql-text.js';
import { isAuroraError } from '../../src/errors/aurora-error.js';
import { redactUrl, scrubSecret } from '../../src/sources/create-source.js';
import { mapMysqlType } from '../../src/sources/mysql/mysql-source.js';
import { mapPostgresType, type PostgresColumnRow } from '../../src/sources/postgres/postgres-source.js';
import { boundaryOffsets, integerRangeBoundaries, partitionCondition, rangesFromBoundaries } from '../../src/sources/source-support.js';
import { mapSqliteType } from '../../src/sources/sqlite/sqlite-source.js';

function postgresRow(baseType: string, typmod = -1, sourceType = baseType, category = 'X'): PostgresColumnRow {
  return { name: 'c', source_type: sourceType, base_type: baseType, type_category: category, typmod, nullable: true };
}

function numericTypmod(precision: number, scale: number): number {
  return ((precision << 16) | (scale & 0x7ff)) + 4;
}

test('mapPostgresType numeric modifiers', () => {
  assert.deepEqual(mapPostgresType('t', postgresRow('numeric', numericTypmod(38, 10))), {
    kind: 'decimal',
    precision: 38,
    scale: 10,
  });
  assert.deepEqual(mapPostgresType('t', postgresRow('numeric', numericTypmod(12, 0))), {
    kind: 'decimal',
    precision: 12,
    scale: 0,
  });
  assert.deepEqual(mapPostgresType('t', postgresRow('numeric')), { kind: 'decimal', precision: 38, scale: 10 });
  assert.throws(() => mapPostgresType('t', postgresRow('numeric', numericTypmod(39, 2), 'numeric(39,2)')), /numeric\(39,2\)/);
  assert.throws(() => mapPostgresType('t', postgresRow('numeric', numericTypmod(5, -2), 'numeric(5,-2)')), /numeric\(5,-2\)/);
});

test('mapPostgresType enums and unsupported types', () => {
  assert.deepEqual(mapPostgresType('t', postgresRow('order_state', -1, 'order_state', 'E')), { kind: 'text' });
  for (const type of ['bytea', 'interval', 'timetz', 'money', '_int4', 'point']) {
    assert.throws(
      () => mapPostgresType('erp.orders', postgresRow(type)),
      (error) => isAuroraError(error) && error.code === 'SOURCE_TYPE_UNSUPPORTED' && error.message.includes(`erp.orders.c has type ${type}`),
    );
  }
});

function mysqlRow(dataType: string, columnType: string, precision: number | null = null, scale: number | null = null) {
  return { name: 'c', dataType, columnType, precision, scale };
}

test('mapMysqlType integers and booleans', () => {
  assert.deepEqual(mapMysqlType('t', mysqlRow('tinyint', 'tinyint(1)')), { kind: 'boolean' });
  assert.deepEqual(mapMysqlType('t', mysqlRow('tinyint', 'tinyint(4)')), { kind: 'smallint' });
  assert.deepEqual(mapMysqlType('t', mysqlRow('tinyint', 'tinyint(1) unsigned')), { kind: 'smallint' });
  assert.deepEqual(mapMysqlType('t', mysqlRow('smallint', 'smallint(5) unsigned')), { kind: 'integer' });
  assert.deepEqual(mapMysqlType('t', mysqlRow('int', 'int(10) unsigned')), { kind: 'bigint' });
  assert.deepEqual(mapMysqlType('t', mysqlRow('bigint', 'bigint(20)')), { kind: 'bigint' });
  assert.deepEqual(mapMysqlType('t', mysqlRow('bigint', 'bigint(20) unsigned')), { kind: 'decimal', precision: 20, scale: 0 });
});

test('mapMysqlType decimals and unsupported types', () => {
  assert.deepEqual(mapMysqlType('t', mysqlRow('decimal', 'decimal(38,10)', 38, 10)), { kind: 'decimal', precision: 38, scale: 10 });
  assert.throws(() => mapMysqlType('t', mysqlRow('decimal', 'decimal(65,30)', 65, 30)), /decimal\(65,30\)/);
  for (const [dataType, columnType] of [['blob', 'blob'], ['varbinary', 'varbinary(16)'], ['bit', 'bit(1)'], ['geometry', 'geometry']]) {
    assert.throws(
      () => mapMysqlType('erp.orders', mysqlRow(dataType!, columnType!)),
      (error) => isAuroraError(error) && error.code === 'SOURCE_TYPE_UNSUPPORTED' && error.message.includes(`erp.orders.c has type ${columnType}`),
    );
  }
});

test('mapSqliteType declared names', () => {
  assert.deepEqual(mapSqliteType('t', 'c', 'decimal(18, 4)'), { kind: 'decimal', precision: 18, scale: 4 });
  assert.deepEqual(mapSqliteType('t', 'c', 'NUMERIC'), { kind: 'decimal', precision: 38, scale: 10 });
  assert.deepEqual(mapSqliteType('t', 'c', 'DECIMAL_TEXT(12,4)'), { kind: 'decimal', precision: 12, scale: 4 });
  assert.deepEqual(mapSqliteType('t', 'c', 'int'), { kind: 'bigint' });
  assert.deepEqual(mapSqliteType('t', 'c', 'VARCHAR(255)'), { kind: 'text' });
  assert.deepEqual(mapSqliteType('t', 'c', 'double precision'), { kind: 'double' });
  assert.deepEqual(mapSqliteType('t', 'c', 'DATETIME'), { kind: 'timestamp' });
  assert.throws(() => mapSqliteType('t', 'c', ''), /type \(none\)/);
  assert.throws(() => mapSqliteType('t', 'c', 'BLOB'), /t\.c has type BLOB/);
  assert.throws(() => mapSqliteType('t', 'c', 'DECIMAL(40,2)'), /DECIMAL\(40,2\)/);
});

test('boundaryOffsets spreads rows', () => {
  assert.deepEqual(boundaryOffsets(100, 1), []);
  assert.deepEqual(boundaryOffsets(100, 4), [25, 50, 75]);
  assert.deepEqual(boundaryOffsets(2, 7), [1, 1, 1]);
  assert.deepEqual(boundaryOffsets(0, 3), []);
});

test('rangesFromBoundaries collapses duplicates', () => {
  assert.deepEqual(rangesFromBoundaries('k', ['5', '5', '9']), [
    { index: 0, column: 'k', includesNulls: true, upper: '5' },
    { index: 1, column: 'k', includesNulls: false, lower: '5', upper: '9' },
    { index: 2, column: 'k', includesNulls: false, lower: '9' },
  ]);
  assert.deepEqual(rangesFromBoundaries('k', []), [{ index: 0, column: 'k', includesNulls: true }]);
});

test('partitionCondition renders ranges', () => {
  const render = (bound: string) => `'${bound}'`;
  assert.equal(partitionCondition('"k"', { index: 0, column: 'k', includesNulls: true }, render), undefined);
  assert.equal(
    partitionCondition('"k"', { index: 0, column: 'k', includesNulls: true, upper: '5' }, render),
    `(("k" < '5') OR "k" IS NULL)`,
  );
  assert.equal(
    partitionCondition('"k"', { index: 1, column: 'k', includesNulls: false, lower: '5', upper: '9' }, render),
    `"k" >= '5' AND "k" < '9'`,
  );
  assert.equal(
    partitionCondition('"k"', { index: 2, column: 'k', includesNulls: false, lower: '9' }, render),
    `"k" >= '9'`,
  );
});

test('quoteMysqlIdentifier escapes backticks', () => {
  assert.equal(quoteMysqlIdentifier('select'), '`select`');
  assert.equal(quoteMysqlIdentifier('a `b`'), '`a ``b```');
  assert.equal(quoteMysqlIdentifier('Größe'), '`Größe`');
  assert.equal(quoteMysqlQualifiedName('erp.ORDERS'), '`erp`.`ORDERS`');
  assert.throws(() => quoteMysqlIdentifier(''), RangeError);
  assert.throws(() => quoteMysqlIdentifier('a\u0000b'), RangeError);
});

test('redactUrl drops the password', () => {
  assert.equal(redactUrl('postgres://aurora:s3cret@db.example:5432/erp'), 'postgres://aurora@db.example:5432/erp');
  assert.equal(redactUrl('mysql://root@127.0.0.1:3306/test'), 'mysql://root@127.0.0.1:3306/test');
  assert.equal(redactUrl('not a url user:pw@host'), 'not a url user:pw@host');
  assert.equal(redactUrl('weird//user:pw@host'), 'weird//user@host');
  assert.equal(scrubSecret('failed for p@ss and p%40ss', 'p@ss'), 'failed for *** and ***');
});

test('redactUrl hides query-string passwords and unencoded @ in passwords', () => {
  assert.equal(redactUrl('postgres://u@h:5432/db?password=hunter2&sslmode=require'), 'postgres://u@h:5432/db?password=***&sslmode=require');
  assert.equal(redactUrl('postgres://postgres:p@ss:w/rd%@127.0.0.1:5999/db'), 'postgres://postgres@127.0.0.1:5999/db');
  assert.equal(redactUrl('mysql://:only-password@h/db'), 'mysql://h/db');
});

test('integerRangeBoundaries splits dense keys by width', () => {
  assert.deepEqual(integerRangeBoundaries('1', '100', 100, 4), ['26', '51', '76']);
  assert.deepEqual(
    integerRangeBoundaries('9223372036854775800', '9223372036854775807', 8, 2),
    ['9223372036854775804'],
    '64-bit keys are split without losing bits',
  );
  assert.equal(integerRangeBoundaries('1', '1000', 10, 4), undefined, 'sparse keys fall back to offsets');
  assert.deepEqual(integerRangeBoundaries('5', '5', 1, 4), [], 'a single key is one partition');
});
