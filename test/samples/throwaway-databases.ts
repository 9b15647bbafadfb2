import { randomBytes } from 'node:crypto';

import mysql from 'mysql2/promise';
import pg from 'pg';

import { quoteIdentifier, quoteMysqlIdentifier } from '../../src/engine/sql-text.js';

/** A database created for one test file. `drop()` removes it with everything in it. */
export interface ThrowawayDatabase {
  url: string;
  drop(): Promise<void>;
}

export function postgresTestUrl(): string {
  return process.env.AURORA_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
}

export function mysqlTestUrl(): string {
  return process.env.AURORA_TEST_MYSQL_URL || 'mysql://root@127.0.0.1:3306/test';
}

function throwawayName(): string {
  return `aurora_test_${randomBytes(6).toString('hex')}`;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function unreachable(service: string, variable: string, url: string, error: unknown): Error {
  return new Error(
    `${service} test service at ${url} is unreachable: ${String(error)}. Start it or point ${variable} at a server that allows CREATE DATABASE.`,
    { cause: error },
  );
}

export async function createThrowawayPostgresDatabase(): Promise<ThrowawayDatabase> {
  const adminUrl = postgresTestUrl();
  const name = throwawayName();
  const admin = new pg.Client({ connectionString: adminUrl });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${quoteIdentifier(name)}`);
  } catch (error) {
    throw unreachable('PostgreSQL', 'AURORA_TEST_POSTGRES_URL', adminUrl, error);
  } finally {
    await admin.end().catch(() => {});
  }

  return {
    url: withDatabase(adminUrl, name),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

export async function createThrowawayMysqlDatabase(): Promise<ThrowawayDatabase> {
  const adminUrl = mysqlTestUrl();
  const name = throwawayName();
  let admin: mysql.Connection | undefined;
  try {
    admin = await mysql.createConnection({ uri: adminUrl });
    await admin.query(`CREATE DATABASE ${quoteMysqlIdentifier(name)} CHARACTER SET utf8mb4`);
  } catch (error) {
    throw unreachable('MySQL/MariaDB', 'AURORA_TEST_MYSQL_URL', adminUrl, error);
  } finally {
    await admin?.end().catch(() => {});
  }

  return {
    url: withDatabase(adminUrl, name),
    async drop() {
      const connection = await mysql.createConnection({ uri: adminUrl });
      try {
        await connection.query(`DROP DATABASE IF EXISTS ${quoteMysqlIdentifier(name)}`);
      } finally {
        await connection.end();
      }
    },
  };
}
