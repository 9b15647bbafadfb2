import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { DuckdbSession } from '../../src/engine/duckdb-session.js';
import { quoteLiteral } from '../../src/engine/sql-text.js';

export interface DeploymentFiles {
  config: string;
  lake: string;
  rules: string;
}

/**
 * Writes an aurora.yaml and its rule files into `folder`. `source` is the YAML of the source
 * section; `tables` the YAML list items; `rules` maps file names to YAML text.
 */
export function writeDeployment(
  folder: string,
  options: { source: string; tables: string; rules?: Record<string, string>; extra?: string },
): DeploymentFiles {
  const rules = path.join(folder, 'rules');
  mkdirSync(rules, { recursive: true });
  for (const [name, text] of Object.entries(options.rules ?? {})) {
    writeFileSync(path.join(rules, name), text);
  }

  const config = path.join(folder, 'aurora.yaml');
  writeFileSync(
    config,
    ['name: test', 'source:', options.source.replace(/^/gm, '  '), 'lake: lake', 'rules: rules', options.extra ?? '', 'tables:', options.tables].join('\n'),
  );
  return { config, lake: path.join(folder, 'lake'), rules };
}

/** What the lake currently publishes: the pointer's text and the row counts per layer. */
export interface PublishedState {
  pointer: string | undefined;
  silverRows: Record<string, number>;
  quarantineRows: Record<string, number>;
}

export async function readPublishedState(lake: string): Promise<PublishedState> {
  let pointer: string | undefined;
  try {
    pointer = readFileSync(path.join(lake, 'CURRENT'), 'utf8');
  } catch {
    return { pointer: undefined, silverRows: {}, quarantineRows: {} };
  }

  const { snapshot } = JSON.parse(pointer) as { snapshot: string };
  const manifest = JSON.parse(readFileSync(path.join(lake, snapshot, 'manifest.json'), 'utf8')) as {
    tables: { table: string; silverFile: string; quarantineFile: string }[];
  };

  const session = await DuckdbSession.open();
  try {
    const silverRows: Record<string, number> = {};
    const quarantineRows: Record<string, number> = {};
    for (const table of manifest.tables) {
      silverRows[table.table] = await countRows(session, path.join(lake, snapshot, table.silverFile));
      quarantineRows[table.table] = await countRows(session, path.join(lake, snapshot, table.quarantineFile));
    }
    return { pointer, silverRows, quarantineRows };
  } finally {
    session.close();
  }
}

async function countRows(session: DuckdbSession, file: string): Promise<number> {
  const [row] = await session.queryText(`SELECT CAST(count(*) AS VARCHAR) AS n FROM read_parquet(${quoteLiteral(file)})`);
  return Number(row?.n);
}
