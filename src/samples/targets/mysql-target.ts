import mysql from 'mysql2/promise';

import { AuroraError, describeCause } from '../../errors/aurora-error.js';
import { quoteMysqlIdentifier } from '../../engine/sql-text.js';
import { checkRows, toLoadError } from './row-check.js';
import { secondaryIndexes, type SampleColumn, type SampleRow, type SampleTableDefinition, type SampleTarget } from './sample-target.js';
import { redactUrl } from './target-url.js';

const CONNECT_TIMEOUT_MS = 10_000;

/** Rows per INSERT statement. Wide tables get fewer, so the statement stays under MAX_PLACEHOLDERS. */
const INSERT_BATCH_ROWS = 1000;

/** MySQL and MariaDB reject a prepared statement with more placeholders (error 1390, ER_PS_MANY_PARAM). */
const MAX_PLACEHOLDERS = 65_535;

/**
 * Strict mode turns truncation and invalid dates into errors instead of warnings, so a load
 * either stores every value exactly or fails.
 */
const SESSION_SQL_MODE = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION';

/**
 * Suffixes of the work tables that a load fills and renames. A crash can leave one behind, and
 * the next load of the same table drops it before use.
 */
const LOADING_SUFFIX = '__aurora_loading';
const REPLACED_SUFFIX = '__aurora_replaced';

/**
 * Maps a sample type onto a MySQL column type. Text becomes TEXT, except in a primary key,
 * where MySQL needs a length, so it becomes VARCHAR(255).
 */
export function mysqlColumnType(column: SampleColumn, inPrimaryKey: boolean): string {
  const type = column.type;
  switch (type) {
    case 'integer':
      return 'INT';
    case 'bigint':
      return 'BIGINT';
    case 'text':
      return inPrimaryKey ? 'VARCHAR(255)' : 'TEXT';
    case 'date':
      return 'DATE';
    case 'timestamp':
      return 'DATETIME(6)';
    case 'timestamptz':
      // NOTE: MySQL 8 and MariaDB 10.11 store TIMESTAMP from 1970 to 2038-01-19 UTC only, so a
      // later instant fails the load.
      return 'TIMESTAMP(6)';
    default:
      return `DECIMAL(${type.decimal[0]},${type.decimal[1]})`;
  }
}

function parseMysqlUrl(url: string): mysql.ConnectionOptions {
  const description = redactUrl(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new AuroraError('SAMPLE_TARGET_INVALID', { url: description, reason: describeCause(error) }, { cause: error });
  }

  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (parsed.hostname === '' || database === '' || database.includes('/')) {
    throw new AuroraError('SAMPLE_TARGET_INVALID', {
      url: description,
      reason: 'a MySQL URL needs a host and one database name, as in mysql://user@host:3306/database',
    });
  }
  if (parsed.search !== '') {
    throw new AuroraError('SAMPLE_TARGET_INVALID', { url: description, reason: 'query parameters are not supported' });
  }

  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? 3306 : Number(parsed.port),
    user: decodeURIComponent(parsed.username) || undefined,
    password: decodeURIComponent(parsed.password) || undefined,
    database,
    charset: 'utf8mb4',
    connectTimeout: CONNECT_TIMEOUT_MS,
  };
}

export async function openMysqlTarget(url: string): Promise<SampleTarget> {
  const description = redactUrl(url);
  const options = parseMysqlUrl(url);

  let connection: mysql.Connection;
  try {
    connection = await mysql.createConnection(options);
  } catch (error) {
    throw new AuroraError('SAMPLE_TARGET_UNREACHABLE', { target: description, detail: describeCause(error) }, { cause: error });
  }
  // Without a listener, a connection the server drops while idle would crash the process.
  connection.on('error', () => {});
  await connection.query(`SET SESSION sql_mode = '${SESSION_SQL_MODE}', time_zone = '+00:00'`);

  const table = quoteMysqlIdentifier;

  const tableExists = async (name: string): Promise<boolean> => {
    const [rows] = await connection.execute<mysql.RowDataPacket[]>(
      'SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?',
      [name],
    );
    return rows.length > 0;
  };

  const createTable = async (definition: SampleTableDefinition): Promise<void> => {
    await connection.query(createTableSql(definition));
    for (const index of secondaryIndexes(definition)) {
      await connection.query(`CREATE INDEX ${quoteMysqlIdentifier(index.name)} ON ${table(definition.name)} (${index.columns.map(quoteMysqlIdentifier).join(', ')})`);
    }
  };

  const dropTable = async (name: string): Promise<void> => {
    await connection.query(`DROP TABLE IF EXISTS ${table(name)}`);
  };

  const insertRows = async (name: string, rows: AsyncIterable<SampleRow>): Promise<number> => {
    let batch: SampleRow[] = [];
    let batchLimit = INSERT_BATCH_ROWS;
    let count = 0;

    const flush = async (): Promise<void> => {
      const placeholders = `(${batch[0]?.map(() => '?').join(', ')})`;
      const sql = `INSERT INTO ${table(name)} VALUES ${batch.map(() => placeholders).join(', ')}`;
      await connection.execute(sql, batch.flat());
      count += batch.length;
      batch = [];
    };

    for await (const row of rows) {
      if (batch.length === 0) {
        batchLimit = Math.max(1, Math.min(INSERT_BATCH_ROWS, Math.floor(MAX_PLACEHOLDERS / Math.max(1, row.length))));
      }
      batch.push(row);
      if (batch.length >= batchLimit) {
        await flush();
      }
    }
    if (batch.length > 0) {
      await flush();
    }
    return count;
  };

  const inTransaction = async <T>(work: () => Promise<T>): Promise<T> => {
    await connection.beginTransaction();
    try {
      const result = await work();
      await connection.commit();
      return result;
    } catch (error) {
      await connection.rollback().catch(() => {});
      throw error;
    }
  };

  return {
    kind: 'mysql',
    describe: () => description,
    tableExists,
    createTable,
    dropTable,
    writeRows: (name, rows) => inTransaction(() => insertRows(name, rows)),

    // MySQL commits DDL implicitly, so a transaction cannot undo CREATE TABLE. The rows go into a
    // work table instead, and one RENAME TABLE statement moves it into place. The MySQL and
    // MariaDB manuals document RENAME TABLE as atomic, so other sessions see the old table or the
    // complete new one.
    async loadTable(definition, rows, options) {
      const loading = `${definition.name}${LOADING_SUFFIX}`;
      const replaced = `${definition.name}${REPLACED_SUFFIX}`;

      try {
        if (!options.replace && (await tableExists(definition.name))) {
          throw new AuroraError('SAMPLE_TARGET_EXISTS', { target: description, tables: [definition.name] });
        }

        await dropTable(loading);
        await createTable({ ...definition, name: loading });
        const count = await inTransaction(() => insertRows(loading, checkRows(definition, rows)));

        if (await tableExists(definition.name)) {
          await dropTable(replaced);
          await connection.query(
            `RENAME TABLE ${table(definition.name)} TO ${table(replaced)}, ${table(loading)} TO ${table(definition.name)}`,
          );
          await dropTable(replaced);
        } else {
          await connection.query(`RENAME TABLE ${table(loading)} TO ${table(definition.name)}`);
        }
        return count;
      } catch (error) {
        await dropTable(loading).catch(() => {});
        throw toLoadError(description, definition.name, error);
      }
    },

    close: () => connection.end(),
  };
}

function createTableSql(definition: SampleTableDefinition): string {
  const columns = definition.columns.map((column) => {
    const type = mysqlColumnType(column, definition.primaryKey.includes(column.name));
    return `${quoteMysqlIdentifier(column.name)} ${type}${column.nullable ? ' NULL' : ' NOT NULL'}`;
  });
  if (definition.primaryKey.length > 0) {
    columns.push(`PRIMARY KEY (${definition.primaryKey.map(quoteMysqlIdentifier).join(', ')})`);
  }
  return `CREATE TABLE ${quoteMysqlIdentifier(definition.name)} (\n  ${columns.join(',\n  ')}\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`;
}
