import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import Database from 'better-sqlite3';

import { AuroraError, describeCause } from '../../errors/aurora-error.js';
import { quoteIdentifier } from '../../engine/sql-text.js';
import { checkRows, toLoadError } from './row-check.js';
import { secondaryIndexes, type SampleColumnType, type SampleRow, type SampleTableDefinition, type SampleTarget } from './sample-target.js';

/**
 * Maps a sample type onto an SQLite declared type. Decimals get `DECIMAL_TEXT(p,s)`. Because that
 * name contains TEXT, SQLite gives the column TEXT affinity and keeps '957.5775' as text. A plain
 * DECIMAL(p,s) would get NUMERIC affinity, and SQLite would store the value as an 8-byte float.
 */
export function sqliteColumnType(type: SampleColumnType): string {
  switch (type) {
    case 'integer':
    case 'bigint':
      return 'INTEGER';
    case 'text':
      return 'TEXT';
    case 'date':
      return 'DATE';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'timestamptz':
      return 'TIMESTAMPTZ';
    default:
      return `DECIMAL_TEXT(${type.decimal[0]},${type.decimal[1]})`;
  }
}

/** Parses `sqlite:relative/path.db`, `sqlite:/absolute/path.db` or `sqlite:///absolute/path.db`. */
function parseSqliteUrl(url: string): string {
  let path = url.slice('sqlite:'.length);
  if (path.startsWith('///')) {
    path = path.slice(2);
  } else if (path.startsWith('//')) {
    throw new AuroraError('SAMPLE_TARGET_INVALID', {
      url,
      reason: 'an SQLite URL takes a file path, not a host; write sqlite:relative/path.db or sqlite:/absolute/path.db',
    });
  }
  if (path === '') {
    throw new AuroraError('SAMPLE_TARGET_INVALID', { url, reason: 'the file path is missing' });
  }
  return resolve(path);
}

export function openSqliteTarget(url: string): SampleTarget {
  const path = parseSqliteUrl(url);
  const description = `sqlite:${path}`;

  let database: Database.Database;
  try {
    mkdirSync(dirname(path), { recursive: true });
    database = new Database(path);
  } catch (error) {
    throw new AuroraError('SAMPLE_TARGET_UNREACHABLE', { target: description, detail: describeCause(error) }, { cause: error });
  }

  const tableExists = (name: string): boolean =>
    database.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(name) !== undefined;

  const createTable = (definition: SampleTableDefinition): void => {
    database.exec(createTableSql(definition));
    for (const index of secondaryIndexes(definition)) {
      database.exec(`CREATE INDEX ${quoteIdentifier(index.name)} ON ${quoteIdentifier(definition.name)} (${index.columns.map(quoteIdentifier).join(', ')})`);
    }
  };

  const dropTable = (name: string): void => {
    database.exec(`DROP TABLE IF EXISTS ${quoteIdentifier(name)}`);
  };

  // better-sqlite3 runs synchronously, so a transaction spans the awaits of the row iterator
  // without any other statement on this connection getting in between.
  const insertRows = async (table: string, rows: AsyncIterable<SampleRow>): Promise<number> => {
    let insert: Database.Statement | undefined;
    let count = 0;
    for await (const row of rows) {
      insert ??= database.prepare(`INSERT INTO ${quoteIdentifier(table)} VALUES (${row.map(() => '?').join(', ')})`);
      insert.run(row);
      count += 1;
    }
    return count;
  };

  const inTransaction = async <T>(work: () => Promise<T>): Promise<T> => {
    database.exec('BEGIN IMMEDIATE');
    try {
      const result = await work();
      database.exec('COMMIT');
      return result;
    } catch (error) {
      database.exec('ROLLBACK');
      throw error;
    }
  };

  return {
    kind: 'sqlite',
    describe: () => description,
    tableExists: async (name) => tableExists(name),
    createTable: async (definition) => createTable(definition),
    dropTable: async (name) => dropTable(name),
    writeRows: (table, rows) => inTransaction(() => insertRows(table, rows)),

    // SQLite's DDL is transactional, so the drop, create and inserts commit or roll back together.
    async loadTable(definition, rows, options) {
      try {
        return await inTransaction(async () => {
          if (tableExists(definition.name)) {
            if (!options.replace) {
              throw new AuroraError('SAMPLE_TARGET_EXISTS', { target: description, tables: [definition.name] });
            }
            dropTable(definition.name);
          }
          createTable(definition);
          return insertRows(definition.name, checkRows(definition, rows));
        });
      } catch (error) {
        throw toLoadError(description, definition.name, error);
      }
    },

    close: async () => {
      database.close();
    },
  };
}

function createTableSql(definition: SampleTableDefinition): string {
  const columns = definition.columns.map(
    (column) => `${quoteIdentifier(column.name)} ${sqliteColumnType(column.type)}${column.nullable ? '' : ' NOT NULL'}`,
  );
  if (definition.primaryKey.length > 0) {
    columns.push(`PRIMARY KEY (${definition.primaryKey.map(quoteIdentifier).join(', ')})`);
  }
  return `CREATE TABLE ${quoteIdentifier(definition.name)} (\n  ${columns.join(',\n  ')}\n)`;
}
