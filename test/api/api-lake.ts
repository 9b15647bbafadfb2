import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import Database from 'better-sqlite3';

import { loadConfig } from '../../src/config/load-config.js';
import type { AuroraConfig } from '../../src/config/types.js';
import { runFullLoad, type RunOutcome } from '../../src/pipeline/full-load.js';
import { writeDeployment } from '../helpers/deployment.js';

/** A deployment with a SQLite source and an empty lake, for API tests that share it across cases. */
export interface ApiLake {
  folder: string;
  config: AuroraConfig;
  /** Runs a full load and fails the test when the run fails. */
  runFullLoad(): Promise<RunOutcome>;
  remove(): void;
}

/**
 * Creates the deployment: table ORDERS with four rows, one of them with a NULL key, so each
 * run publishes 3 silver rows and quarantines 1.
 */
export function createApiLake(): ApiLake {
  const folder = mkdtempSync(path.join(tmpdir(), 'aurora-api-'));
  const db = new Database(path.join(folder, 'legacy.sqlite'));
  db.exec('CREATE TABLE ORDERS (ID INTEGER, AMOUNT REAL)');
  db.exec('INSERT INTO ORDERS VALUES (1, 10.5), (2, 20), (3, 30), (NULL, 40)');
  db.close();

  const files = writeDeployment(folder, { source: 'type: sqlite\npath: legacy.sqlite', tables: '  - name: ORDERS\n    primary_key: ID' });
  const config = loadConfig(files.config, {});

  return {
    folder,
    config,
    async runFullLoad() {
      const outcome = await runFullLoad({ config });
      if (outcome.error) {
        throw outcome.error;
      }
      return outcome;
    },
    remove() {
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** Server option for tests that are not about authentication: every route is open. */
export const NO_AUTH = { disabled: true } as const;
