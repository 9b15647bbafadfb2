import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

import { readYamlFile, validateAgainstSchema } from '../config/yaml-file.js';
import { quoteLiteral } from '../engine/sql-text.js';
import type { ColumnType, GoldMeasure, LocalizedText } from '../gold/load-models.js';
import type { LakeLayout } from '../lake/lake-layout.js';
import { ApiError } from './api-error.js';
import { snapshotCacheFor, type ReadySnapshot } from './snapshot-cache.js';

/**
 * Copy of the model schema without its `$id`. validateAgainstSchema compiles each schema object
 * into one shared ajv instance, and src/gold/load-models.ts already compiles its own copy under
 * that `$id`, so ajv would reject a second copy with the same `$id` as a duplicate.
 */
const MODEL_SCHEMA = (() => {
  const { $id: _id, ...schema } = JSON.parse(readFileSync(new URL('../../schemas/model.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  return schema;
})();

/** A gold model of the published snapshot, with the description from its `<name>.yaml`. */
export interface PublishedModel {
  name: string;
  description: LocalizedText;
  grain: string[];
  dimensions: string[];
  measures: GoldMeasure[];
  rows: number;
  /** Absolute path of the model's Parquet file inside the published snapshot. */
  file: string;
  /** The declared dimensions and measures with their Parquet types, in declaration order. */
  columns: ColumnType[];
  /** Export column headers by column name; columns without one are headed by their name. */
  labels: Readonly<Record<string, LocalizedText>>;
}

/** Inputs of the gold endpoints: the lake, the deployment's models folder and a DuckDB instance. */
export interface GoldModelSource {
  layout: LakeLayout;
  /** Absolute folder of the `<name>.yaml` files. Undefined when the deployment has no models. */
  modelsFolder: string | undefined;
  duckdb: DuckDBInstance;
}

/**
 * Creates the in-memory DuckDB instance that the gold endpoints share and closes it, with its
 * pooled connections, when the server closes.
 */
export async function createGoldDuckdb(server: FastifyInstance): Promise<DuckDBInstance> {
  const instance = await DuckDBInstance.create(':memory:');
  server.addHook('onClose', async () => {
    for (const connection of idleConnections.get(instance) ?? []) {
      connection.closeSync();
    }
    idleConnections.delete(instance);
    instance.closeSync();
  });
  return instance;
}

/**
 * Idle connections kept per instance for the next request. A KPI request keeps a connection
 * even when its page comes from the cache, so this is sized for the concurrent requests of a
 * loaded pod: with 8, a load of 100 connections spent 4 % of the CPU connecting and closing.
 * More requests than this at once run on fresh connections, which are closed afterwards.
 */
const MAX_IDLE_CONNECTIONS = 128;
const idleConnections = new WeakMap<DuckDBInstance, DuckDBConnection[]>();

/**
 * Runs `work` on a connection of the instance's pool. The API only reads, and no caller
 * changes a connection's settings, so a connection carries nothing from one request to the next.
 */
export async function withConnection<T>(duckdb: DuckDBInstance, work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  let idle = idleConnections.get(duckdb);
  if (idle === undefined) {
    idle = [];
    idleConnections.set(duckdb, idle);
  }
  const connection = idle.pop() ?? (await duckdb.connect());
  try {
    return await work(connection);
  } finally {
    if (idle.length < MAX_IDLE_CONNECTIONS && idleConnections.get(duckdb) === idle) {
      idle.push(connection);
    } else {
      connection.closeSync();
    }
  }
}

/**
 * Lists the gold models of the published snapshot in manifest order. A model whose description
 * cannot be read from the models folder is left out, and the log gets a warning naming it.
 */
export async function listPublishedModels(source: GoldModelSource, log: FastifyBaseLogger): Promise<{ runId: string; models: PublishedModel[] }> {
  const snapshot = await requireSnapshot(source.layout);
  const models: PublishedModel[] = [];
  for (const entry of snapshot.manifest.gold ?? []) {
    const model = await describeCachedModel(source, snapshot, entry);
    if (model === undefined) {
      log.warn({ model: entry.model, modelsFolder: source.modelsFolder }, 'gold model left out of /api/v1/models because its description file is missing or invalid');
      continue;
    }
    models.push(model);
  }
  return { runId: snapshot.runId, models };
}

/** Reads one gold model of the published snapshot. Raises MODEL_NOT_FOUND or MODEL_UNAVAILABLE. */
export async function readPublishedModel(source: GoldModelSource, name: string): Promise<{ runId: string; model: PublishedModel }> {
  const snapshot = await requireSnapshot(source.layout);
  const entry = (snapshot.manifest.gold ?? []).find((candidate) => candidate.model === name);
  if (entry === undefined) {
    throw new ApiError('MODEL_NOT_FOUND', { model: name });
  }
  const model = await describeCachedModel(source, snapshot, entry);
  if (model === undefined) {
    throw new ApiError('MODEL_UNAVAILABLE', { model: name });
  }
  return { runId: snapshot.runId, model };
}

async function requireSnapshot(layout: LakeLayout): Promise<ReadySnapshot> {
  const state = await snapshotCacheFor(layout).current();
  if (!state.ready) {
    throw new ApiError('NOTHING_PUBLISHED', {});
  }
  return state;
}

/**
 * describePublishedModel once per snapshot and models folder, so a request does not read the
 * YAML file and the Parquet schema again.
 */
function describeCachedModel(source: GoldModelSource, snapshot: ReadySnapshot, entry: { model: string; file: string; rows: number }): Promise<PublishedModel | undefined> {
  return snapshotCacheFor(source.layout).derive(snapshot, `model\0${source.modelsFolder ?? ''}\0${entry.model}`, () =>
    describePublishedModel(source, snapshot.folder, entry),
  );
}

/** Combines the manifest entry, the model's YAML description and the Parquet column types. */
async function describePublishedModel(
  source: GoldModelSource,
  snapshotFolder: string,
  entry: { model: string; file: string; rows: number },
): Promise<PublishedModel | undefined> {
  const description = readModelDescription(source.modelsFolder, entry.model);
  if (description === undefined) {
    return undefined;
  }

  // The manifest is written by the pipeline, but a gold file outside the snapshot is never read.
  const file = path.resolve(snapshotFolder, entry.file);
  if (!file.startsWith(snapshotFolder + path.sep)) {
    throw new Error(`gold file ${entry.file} of model ${entry.model} lies outside the snapshot folder`);
  }

  const parquetTypes = await withConnection(source.duckdb, async (connection) => {
    const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(file)})`);
    return new Map(reader.getRowObjectsJson().map((row) => [String(row.column_name), String(row.column_type)]));
  });

  // NOTE: the description is read when a server first serves the snapshot, so it can be newer
  // than the snapshot, and an edit of the file shows with the next snapshot or restart.
  // Declared columns that the Parquet file lacks are dropped rather than queried.
  const present = (name: string): boolean => parquetTypes.has(name);
  const dimensions = description.dimensions.filter(present);
  const measures = description.measures.filter((measure) => present(measure.name));
  const columns = [...dimensions, ...measures.map((measure) => measure.name)].map((name) => ({ name, type: parquetTypes.get(name) as string }));

  return {
    name: entry.model,
    description: description.description,
    grain: description.grain.filter(present),
    dimensions,
    measures,
    rows: entry.rows,
    file,
    columns,
    labels: description.labels ?? {},
  };
}

interface ModelDescription {
  description: LocalizedText;
  grain: string[];
  dimensions: string[];
  measures: GoldMeasure[];
  labels?: Record<string, LocalizedText>;
}

function readModelDescription(modelsFolder: string | undefined, name: string): ModelDescription | undefined {
  if (modelsFolder === undefined) {
    return undefined;
  }
  const file = ['yaml', 'yml'].map((extension) => path.join(modelsFolder, `${name}.${extension}`)).find((candidate) => existsSync(candidate));
  if (file === undefined) {
    return undefined;
  }

  const read = readYamlFile(file);
  if (!read.ok || validateAgainstSchema(read.yaml, MODEL_SCHEMA).length > 0) {
    return undefined;
  }
  return read.yaml.document.toJS() as ModelDescription;
}
