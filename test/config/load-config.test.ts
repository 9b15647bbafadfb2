import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { loadConfig } from '../../src/config/load-config.js';
import { redactSecrets } from '../../src/config/environment.js';
import { AuroraError } from '../../src/errors/aurora-error.js';
import { tempFolder } from '../helpers/temp-folder.js';

function writeConfig(folder: string, text: string): string {
  const file = path.join(folder, 'aurora.yaml');
  writeFileSync(file, text);
  return file;
}

function configError(run: () => unknown): AuroraError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof AuroraError, `expected an AuroraError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected loadConfig to throw');
}

const VALID = `
name: erp
source:
  type: postgres
  url: postgres://aurora:\${AURORA_SOURCE_PASSWORD}@127.0.0.1:5432/erp
  schema: legacy
lake: lake
rules: rules
parallelism: 3
tables:
  - name: ORDERS
    primary_key: ORDER_ID
    partition_column: ORDER_DATE
  - name: ORDER_ITEMS
    primary_key: [ORDER_ID, POSITION]
    partitions: 2
`;

test('a valid config resolves paths, defaults and environment variables', (t) => {
  const folder = tempFolder(t);
  const config = loadConfig(writeConfig(folder, VALID), { AURORA_SOURCE_PASSWORD: 's3cr3t!' });

  assert.equal(config.name, 'erp');
  assert.deepEqual(config.source, { type: 'postgres', url: 'postgres://aurora:s3cr3t!@127.0.0.1:5432/erp', schema: 'legacy' });
  assert.equal(config.lake, path.join(folder, 'lake'));
  assert.equal(config.rules, path.join(folder, 'rules'));
  assert.equal(config.parallelism, 3);
  assert.deepEqual(config.tables[0]?.primaryKey, ['ORDER_ID']);
  assert.equal(config.tables[0]?.partitionColumn, 'ORDER_DATE');
  assert.equal(config.tables[0]?.partitions, 6, 'default partitions are twice the parallelism');
  assert.deepEqual(config.tables[1]?.primaryKey, ['ORDER_ID', 'POSITION']);
  assert.equal(config.tables[1]?.partitions, 2);
  assert.deepEqual(config.secrets, ['s3cr3t!']);
  assert.equal(redactSecrets(`connect to ${config.source.type === 'postgres' ? config.source.url : ''}`, config.secrets).includes('s3cr3t!'), false);
});

test('a missing file is CONFIG_NOT_FOUND with exit code 2', (t) => {
  const error = configError(() => loadConfig(path.join(tempFolder(t), 'nope.yaml')));
  assert.equal(error.code, 'CONFIG_NOT_FOUND');
  assert.equal(error.exitCode, 2);
  assert.match(error.render('de'), /nicht gefunden/);
});

test('a YAML syntax error names file and line', (t) => {
  const folder = tempFolder(t);
  const file = writeConfig(folder, 'source:\n  type: sqlite\n  path: [unclosed\nlake: x\n');
  const error = configError(() => loadConfig(file));

  assert.equal(error.code, 'CONFIG_INVALID');
  assert.ok(error.render('en').includes(`${file}:`), error.render('en'));
  assert.match(error.render('en'), /YAML syntax error/);
  assert.match(error.render('de'), /YAML-Syntaxfehler/);
});

test('schema violations are all reported with line and key', (t) => {
  const folder = tempFolder(t);
  const file = writeConfig(
    folder,
    ['source:', '  type: oracle', 'lake: lake', 'rules: rules', 'parallelism: 0', 'tables:', '  - name: ORDERS', '    primary_keys: ID'].join('\n'),
  );
  const error = configError(() => loadConfig(file));
  const text = error.render('en');

  assert.equal(error.code, 'CONFIG_INVALID');
  assert.match(text, /aurora\.yaml:2 \(source\.type\): Invalid value\. Allowed: postgres, mysql, sqlite, files/);
  assert.match(text, /aurora\.yaml:5 \(parallelism\): Value must be >= 1/);
  assert.match(text, /aurora\.yaml:8 \(tables\[0\]\.primary_keys\): Unknown key "primary_keys"/);
  assert.match(text, /tables\[0\]\): Required key "primary_key" is missing/);
});

test('a source missing its connection field is rejected', (t) => {
  const folder = tempFolder(t);
  const file = writeConfig(folder, 'source:\n  type: sqlite\nlake: l\nrules: r\ntables:\n  - name: A\n    primary_key: ID\n');
  const error = configError(() => loadConfig(file));
  assert.match(error.render('en'), /\(source\): Required key "path" is missing/);
});

test('an unset environment variable without default is named, with the line', (t) => {
  const folder = tempFolder(t);
  const error = configError(() => loadConfig(writeConfig(folder, VALID), {}));
  const text = error.render('en');

  assert.match(text, /aurora\.yaml:5 \(source\.url\): Environment variable AURORA_SOURCE_PASSWORD is not set/);
  assert.match(error.render('de'), /Umgebungsvariable AURORA_SOURCE_PASSWORD ist nicht gesetzt/);
});

test('defaults in ${NAME:-default} apply and are not secrets', (t) => {
  const folder = tempFolder(t);
  const file = writeConfig(folder, 'source:\n  type: sqlite\n  path: ${DB_FILE:-legacy.db}\nlake: ${LAKE:-lake}\nrules: r\ntables:\n  - name: A\n    primary_key: ID\n');
  const config = loadConfig(file, {});

  assert.deepEqual(config.source, { type: 'sqlite', path: path.join(folder, 'legacy.db') });
  assert.deepEqual(config.secrets, []);
});

test('environment values cannot change the structure of the file', (t) => {
  const folder = tempFolder(t);
  const file = writeConfig(folder, 'source:\n  type: sqlite\n  path: ${DB_FILE}\nlake: lake\nrules: r\ntables:\n  - name: A\n    primary_key: ID\n');
  const config = loadConfig(file, { DB_FILE: 'x.db\nlake: /etc' });

  assert.equal(config.lake, path.join(folder, 'lake'));
  assert.equal(config.source.type === 'sqlite' && config.source.path, path.join(folder, 'x.db\nlake: /etc'));
});

test('table names that differ only by case are rejected', (t) => {
  const folder = tempFolder(t);
  const file = writeConfig(folder, 'source:\n  type: sqlite\n  path: a.db\nlake: l\nrules: r\ntables:\n  - name: Orders\n    primary_key: ID\n  - name: ORDERS\n    primary_key: ID\n');
  const error = configError(() => loadConfig(file));
  assert.match(error.render('en'), /aurora\.yaml:9 \(tables\[1\]\.name\): Table ORDERS is listed twice/);
});

test('a table name that is not a plain identifier is rejected', (t) => {
  const folder = tempFolder(t);
  const file = writeConfig(folder, 'source:\n  type: sqlite\n  path: a.db\nlake: l\nrules: r\ntables:\n  - name: ../../etc\n    primary_key: ID\n');
  const error = configError(() => loadConfig(file));
  assert.match(error.render('en'), /\(tables\[0\]\.name\): Value does not match pattern/);
});

test('the example configs in the repository are valid', () => {
  const config = loadConfig(path.resolve('examples/superstore/aurora.yaml'), {});
  assert.equal(config.tables[0]?.name, 'SUPERSTORE_ORDERS');
  assert.equal(config.source.type, 'sqlite');
});

test('a URL that does not parse is rejected without showing it', (t) => {
  const folder = tempFolder(t);
  const error = configError(() => loadConfig(writeConfig(folder, VALID), { AURORA_SOURCE_PASSWORD: 'p@ss:w/rd%' }));
  const text = error.render('en');

  assert.match(text, /aurora\.yaml:5 \(source\.url\): The connection URL is invalid\. Percent-encode/);
  assert.doesNotMatch(text, /w\/rd/);
});

test('a config path that is a folder is reported as such', (t) => {
  const error = configError(() => loadConfig(tempFolder(t)));
  assert.equal(error.code, 'CONFIG_INVALID');
  assert.match(error.render('en'), /is a folder/);
});

test('a YAML alias bomb is a config error, not a crash', (t) => {
  const folder = tempFolder(t);
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (const name of 'bcdefgh') {
    const previous = String.fromCharCode(name.charCodeAt(0) - 1);
    lines.push(`${name}: &${name} [*${previous},*${previous},*${previous},*${previous},*${previous},*${previous},*${previous},*${previous},*${previous}]`);
  }
  const error = configError(() => loadConfig(writeConfig(folder, lines.join('\n'))));
  assert.equal(error.code, 'CONFIG_INVALID');
});

test('lookback accepts zero and rejects typos and absurd lengths', (t) => {
  const folder = tempFolder(t);
  const config = (lookback: string) =>
    writeConfig(folder, `source:\n  type: sqlite\n  path: a.db\nlake: l\nrules: r\ntables:\n  - name: A\n    primary_key: ID\n    lookback: ${JSON.stringify(lookback)}\n`);

  for (const zero of ['0', '0s', 'PT0S', 'P0D']) {
    assert.equal(loadConfig(config(zero), {}).tables[0]?.lookbackSeconds, 0, zero);
  }
  assert.equal(loadConfig(config('15m'), {}).tables[0]?.lookbackSeconds, 900);
  for (const invalid of ['1.5h', '90', '999999999999d']) {
    const error = configError(() => loadConfig(config(invalid), {}));
    assert.match(error.render('en'), /\(tables\[0\]\.lookback\): Invalid duration/, invalid);
  }
});

test('silver_part_rows defaults and bounds', (t) => {
  const folder = tempFolder(t);
  const config = (option: string) =>
    writeConfig(folder, `source:\n  type: sqlite\n  path: a.db\nlake: l\nrules: r\ntables:\n  - name: A\n    primary_key: ID\n${option}`);

  assert.equal(loadConfig(config(''), {}).tables[0]?.silverPartRows, 131_072);
  assert.equal(loadConfig(config('    silver_part_rows: 5000\n'), {}).tables[0]?.silverPartRows, 5000);
  for (const invalid of ['999', '1.5', '"many"']) {
    const error = configError(() => loadConfig(config(`    silver_part_rows: ${invalid}\n`), {}));
    assert.match(error.render('en'), /tables\[0\]\.silver_part_rows/, invalid);
  }
});
