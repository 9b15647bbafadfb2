import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

import { AuroraError, describeCause } from '../../errors/aurora-error.js';
import { quoteIdentifier } from '../../engine/sql-text.js';
import { checkRows, toLoadError } from './row-check.js';
import { secondaryIndexes, type SampleColumnType, type SampleRow, type SampleTableDefinition, type SampleTarget } from './sample-target.js';
import { redactUrl } from './target-url.js';

const CONNECT_TIMEOUT_MS = 10_000;

/** Rows per chunk written to the COPY stream. Larger chunks mean fewer writes on the socket. */
const COPY_CHUNK_ROWS = 500;

export function postgresColumnType(type: SampleColumnType): string {
  return typeof type === 'string' ? type : `numeric(${type.decimal[0]},${type.decimal[1]})`;
}

export async function openPostgresTarget(url: string): Promise<SampleTarget> {
  const description = redactUrl(url);

  let client: pg.Client;
  try {
    client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: 'aurora-sample' });
  } catch (error) {
    throw new AuroraError('SAMPLE_TARGET_INVALID', { url: description, reason: describeCause(error) }, { cause: error });
  }

  // Without a listener, a connection the server drops while idle would crash the process. The
  // next query fails with its own error, which the caller reports.
  client.on('error', () => {});

  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw new AuroraError('SAMPLE_TARGET_UNREACHABLE', { target: description, detail: describeCause(error) }, { cause: error });
  }
  // Rows carry timestamptz values as UTC text without an offset.
  await client.query("SET TIME ZONE 'UTC'");

  const tableExists = async (name: string): Promise<boolean> => {
    const result = await client.query(
      'SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1',
      [name],
    );
    return result.rowCount !== null && result.rowCount > 0;
  };

  const createTable = async (definition: SampleTableDefinition): Promise<void> => {
    await client.query(createTableSql(definition));
    for (const index of secondaryIndexes(definition)) {
      await client.query(`CREATE INDEX ${quoteIdentifier(index.name)} ON ${quoteIdentifier(definition.name)} (${index.columns.map(quoteIdentifier).join(', ')})`);
    }
  };

  const dropTable = async (name: string): Promise<void> => {
    await client.query(`DROP TABLE IF EXISTS ${quoteIdentifier(name)}`);
  };

  // If the rows fail midway, pipeline() destroys the COPY stream. pg-copy-streams 7 then sends
  // CopyFail, so the server aborts the COPY and the connection stays usable for the ROLLBACK.
  const copyRows = async (table: string, rows: AsyncIterable<SampleRow>): Promise<number> => {
    let count = 0;
    async function* csvChunks(): AsyncGenerator<string> {
      let lines: string[] = [];
      for await (const row of rows) {
        lines.push(toCsvLine(row));
        count += 1;
        if (lines.length === COPY_CHUNK_ROWS) {
          yield lines.join('');
          lines = [];
        }
      }
      if (lines.length > 0) {
        yield lines.join('');
      }
    }

    const copy = client.query(copyFrom(`COPY ${quoteIdentifier(table)} FROM STDIN WITH (FORMAT csv)`));
    await pipeline(Readable.from(csvChunks()), copy);
    return count;
  };

  const inTransaction = async <T>(work: () => Promise<T>): Promise<T> => {
    await client.query('BEGIN');
    try {
      const result = await work();
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  };

  return {
    kind: 'postgres',
    describe: () => description,
    tableExists,
    createTable,
    dropTable,
    writeRows: (table, rows) => inTransaction(() => copyRows(table, rows)),

    // PostgreSQL's DDL is transactional, so the drop, create and COPY commit or roll back together,
    // and other sessions see the old table until the commit.
    async loadTable(definition, rows, options) {
      try {
        const written = await inTransaction(async () => {
          if (await tableExists(definition.name)) {
            if (!options.replace) {
              throw new AuroraError('SAMPLE_TARGET_EXISTS', { target: description, tables: [definition.name] });
            }
            await dropTable(definition.name);
          }
          await createTable(definition);
          return copyRows(definition.name, checkRows(definition, rows));
        });
        // A production database has statistics. Without them the planner guesses that a delta's
        // range of UPDATED_AT contains a third of the table, so it scans instead of using the index.
        await client.query(`ANALYZE ${quoteIdentifier(definition.name)}`);
        return written;
      } catch (error) {
        throw toLoadError(description, definition.name, error);
      }
    },

    close: () => client.end(),
  };
}

/**
 * Encodes a row for COPY in CSV format. NULL is an unquoted empty field, and every other value
 * is quoted, so '' stays an empty string and a value `\.` cannot end the data early.
 */
function toCsvLine(row: SampleRow): string {
  return `${row.map((value) => (value === null ? '' : `"${value.replaceAll('"', '""')}"`)).join(',')}\n`;
}

function createTableSql(definition: SampleTableDefinition): string {
  const columns = definition.columns.map(
    (column) => `${quoteIdentifier(column.name)} ${postgresColumnType(column.type)}${column.nullable ? '' : ' NOT NULL'}`,
  );
  if (definition.primaryKey.length > 0) {
    columns.push(`PRIMARY KEY (${definition.primaryKey.map(quoteIdentifier).join(', ')})`);
  }
  return `CREATE TABLE ${quoteIdentifier(definition.name)} (\n  ${columns.join(',\n  ')}\n)`;
}
