/**
 * Access to the local PostgreSQL and MariaDB services for tests.
 *
 * Typical use:
 *
 *     const skip = await requireService('postgres', () => probePostgres(postgresTestUrl()));
 *     test('...', { skip }, async () => { const db = await createThrowawayPostgresDatabase(); ... await db.drop(); });
 *
 * Outside CI a missing service turns into a skip reason; with `CI=true` it fails the test run,
 * because CI machines always provide these services.
 */
import { randomBytes } from 'node:crypto';

import mysql from 'mysql2/promise';
import pg from 'pg';

import { quoteIdentifier, quoteMysqlIdentifier } from '../../src/engine/sql-text.js';

/** Returns the admin URL of the test PostgreSQL server (`AURORA_TEST_POSTGRES_URL`). */
export function postgresTestUrl(): string {
  return process.env.AURORA_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

/** Returns the admin URL of the test MariaDB/MySQL server (`AURORA_TEST_MYSQL_URL`). */
export function mysqlTestUrl(): string {
  return process.env.AURORA_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
}

/**
 * Runs `probe` and returns undefined when it succeeds. When it fails, returns a skip reason
 * for `test(..., { skip })`, or throws when `CI=true`.
 */
export async function requireService(name: string, probe: () => Promise<unknown>): Promise<string | undefined> {
  try {
    // Under the full test run a busy machine can miss one connect timeout, so the probe gets a second try.
    await probe().catch(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      return probe();
    });
    return undefined;
  } catch (error) {
    const reason = `${name} is not reachable: ${error instanceof Error ? error.message : String(error)}`;
    if (process.env.CI === 'true') {
      throw new Error(`${reason}. CI must provide ${name}.`, { cause: error });
    }
    console.log(`# skipping ${name} tests: ${reason}`);
    return reason;
  }
}

/** Connects to PostgreSQL at `url` and runs `SELECT 1`. */
export async function probePostgres(url: string = postgresTestUrl()): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Connects to MariaDB/MySQL at `url` and runs `SELECT 1`. */
export async function probeMysql(url: string = mysqlTestUrl()): Promise<void> {
  const connection = await mysql.createConnection({ uri: url, connectTimeout: 3000 });
  try {
    await connection.query('SELECT 1');
  } finally {
    await connection.end().catch(() => undefined);
  }
}

/** A database that exists for one test file; `drop()` removes it and may be called twice. */
export interface ThrowawayDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

function throwawayName(): string {
  return `aurora_test_${randomBytes(6).toString('hex')}`;
}

/** Returns a function that runs SQL statements on PostgreSQL, each batch in its own connection. */
export function postgresStatements(url: string): (statements: string) => Promise<void> {
  return async (statements) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(statements);
    } finally {
      await client.end();
    }
  };
}

/** Creates an empty PostgreSQL database `aurora_test_<random>` on the test server. */
export async function createThrowawayPostgresDatabase(adminUrl: string = postgresTestUrl()): Promise<ThrowawayDatabase> {
  const name = throwawayName();
  await withPostgresAdmin(adminUrl, (client) => client.query(`CREATE DATABASE ${quoteIdentifier(name)}`));

  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    async drop() {
      if (dropped) {
        return;
      }
      dropped = true;
      // WITH (FORCE) ends sessions a failed test left open (PostgreSQL 13 and later).
      await withPostgresAdmin(adminUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`),
      );
    },
  };
}

async function withPostgresAdmin(adminUrl: string, action: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await action(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty MariaDB/MySQL database `aurora_test_<random>` (utf8mb4) on the test server. */
export async function createThrowawayMysqlDatabase(adminUrl: string = mysqlTestUrl()): Promise<ThrowawayDatabase> {
  const name = throwawayName();
  await withMysqlAdmin(adminUrl, (connection) =>
    connection.query(`CREATE DATABASE ${quoteMysqlIdentifier(name)} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`),
  );

  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    async drop() {
      if (dropped) {
        return;
      }
      dropped = true;
      await withMysqlAdmin(adminUrl, (connection) => connection.query(`DROP DATABASE IF EXISTS ${quoteMysqlIdentifier(name)}`));
    },
  };
}

async function withMysqlAdmin(adminUrl: string, action: (connection: mysql.Connection) => Promise<unknown>): Promise<void> {
  const connection = await mysql.createConnection({ uri: adminUrl });
  try {
    await action(connection);
  } finally {
    await connection.end();
  }
}
