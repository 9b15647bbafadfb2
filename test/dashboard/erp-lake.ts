import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

import { loadConfig } from '../../src/config/load-config.js';
import type { AuroraConfig } from '../../src/config/types.js';
import { runFullLoad } from '../../src/pipeline/full-load.js';
import { loadErpSample } from '../../src/samples/erp/erp-sample.js';

const EXAMPLE = path.resolve('examples/mueller-erp');

/** A lake with the Müller ERP sample published by a real full load, for dashboard tests and the load benchmark. */
export interface ErpLake {
  folder: string;
  config: AuroraConfig;
  /** ORDERS rows that the sample generated. */
  orders: number;
  remove(): void;
}

/**
 * Generates the ERP sample at `scale` into SQLite, writes the example's config (rules, models,
 * api.orders) pointed at it and runs a full load, so the lake has silver, quarantine and all six gold models.
 */
export async function createErpLake(scale: number, folder = mkdtempSync(path.join(tmpdir(), 'aurora-dashboard-'))): Promise<ErpLake> {
  const database = path.join(folder, 'erp.sqlite');
  const manifest = await loadErpSample(`sqlite:${database}`, { scale, replace: true, manifest: path.join(folder, 'erp-manifest.json') });

  const example = parseYaml(readFileSync(path.join(EXAMPLE, 'aurora.yaml'), 'utf8')) as Record<string, unknown>;
  const deployment = {
    ...example,
    source: { type: 'sqlite', path: database },
    lake: path.join(folder, 'lake'),
    rules: path.join(EXAMPLE, 'rules'),
    models: path.join(EXAMPLE, 'models'),
  };
  const configFile = path.join(folder, 'aurora.yaml');
  writeFileSync(configFile, stringifyYaml(deployment));
  const config = loadConfig(configFile, {});

  const outcome = await runFullLoad({ config });
  if (outcome.error) {
    throw outcome.error;
  }
  return {
    folder,
    config,
    orders: manifest.rows.ORDERS,
    remove: () => rmSync(folder, { recursive: true, force: true }),
  };
}
