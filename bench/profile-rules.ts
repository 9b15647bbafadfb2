/**
 * Times each ORDERS rule of the example rule set alone over the bronze files of the last
 * benchmark load at a scale, so docs/benchmarks.md can say where validation time goes.
 * `npm run bench` calls it for the largest scale; by hand:
 *
 *   node --import tsx bench/profile-rules.ts bench/.work/scale-1
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';

import { loadConfig } from '../src/config/load-config.js';
import { DuckdbSession, readParquetSql } from '../src/engine/duckdb-session.js';
import { duckdbTypeOf } from '../src/engine/duckdb-types.js';
import { quoteIdentifier } from '../src/engine/sql-text.js';
import { compileRuleSet } from '../src/quality/compile-rules.js';
import { loadRuleSets } from '../src/quality/load-rules.js';
import { createSource } from '../src/sources/create-source.js';

/** Time of each row rule alone, and of all row rules counted in one pass (as the pipeline runs them). */
export interface RuleProfile {
  rules: { id: string; type: string; ms: number }[];
  allRulesMs: number;
}

export async function profileOrdersRules(folder: string): Promise<RuleProfile> {
  const config = loadConfig(path.join(folder, 'aurora.yaml'));
  const source = await createSource(config.source);
  const session = await DuckdbSession.open({ threads: config.parallelism });

  const described = new Map<string, Awaited<ReturnType<typeof source.describeTable>>>();
  for (const table of config.tables) {
    described.set(table.name, await source.describeTable({ name: table.name, sourceTable: table.sourceTable, primaryKey: table.primaryKey }));
  }
  await source.close();

  const relation = (table: string): string => quoteIdentifier(`bronze_${table}`);
  for (const table of config.tables) {
    const runs = readdirSync(path.join(folder, 'lake', 'bronze', table.name)).sort();
    const runFolder = path.join(folder, 'lake', 'bronze', table.name, runs.at(-1) ?? '');
    const files = readdirSync(runFolder).map((name) => path.join(runFolder, name));
    await session.run(`CREATE VIEW ${relation(table.name)} AS SELECT * FROM ${readParquetSql(files)}`);
  }

  const columnsOf = (table: string) =>
    (described.get(table)?.columns ?? []).map((column) => ({ name: column.name, duckdbType: duckdbTypeOf(column.type) }));
  const ruleSets = await loadRuleSets(config.rules, new Map([...described].map(([name, table]) => [name, table.columns.map((column) => column.name)])));
  const ordersRules = ruleSets.get('ORDERS');
  if (!ordersRules) {
    throw new Error('no ORDERS rules');
  }
  const compiled = await compileRuleSet(
    ordersRules,
    {
      table: 'ORDERS',
      relation: relation('ORDERS'),
      columns: columnsOf('ORDERS'),
      resolveTable: (name) => (described.has(name) ? { relation: relation(name), columns: columnsOf(name) } : undefined),
      runStartedAt: new Date().toISOString(),
    },
    session.connection,
  );

  const time = async (sql: string): Promise<number> => {
    const startedAt = performance.now();
    await session.queryText(sql);
    return performance.now() - startedAt;
  };

  const rules: RuleProfile['rules'] = [];
  for (const rule of compiled.rowRules) {
    const ms = await time(`SELECT CAST(count(*) FILTER (WHERE f) AS VARCHAR) AS n FROM (SELECT coalesce((${rule.failedSql}), false) AS f FROM ${relation('ORDERS')})`);
    rules.push({ id: rule.rule.id, type: rule.rule.type, ms });
  }
  const all = compiled.rowRules.map((rule, index) => `coalesce((${rule.failedSql}), false) AS f${index}`).join(', ');
  const sums = compiled.rowRules.map((_, index) => `count(*) FILTER (WHERE f${index})`).join(', ');
  const allRulesMs = await time(`SELECT CAST(list_value(${sums}) AS VARCHAR) AS n FROM (SELECT ${all} FROM ${relation('ORDERS')})`);
  session.close();
  return { rules, allRulesMs };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const profile = await profileOrdersRules(path.resolve(process.argv[2] ?? 'bench/.work/scale-1'));
  for (const rule of profile.rules) {
    console.log(`${rule.type.padEnd(16)} ${rule.id.padEnd(40)} ${rule.ms.toFixed(0).padStart(6)} ms`);
  }
  console.log(`all rules in one pass: ${profile.allRulesMs.toFixed(0)} ms`);
}
