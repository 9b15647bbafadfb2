import type { FastifyInstance } from 'fastify';

import type { LakeLayout } from '../../lake/lake-layout.js';
import { lastKnownGood, listRuns } from '../../lake/run-history.js';
import { readRunRecord } from '../lake-reader.js';

/**
 * Describes `:runId` for the OpenAPI document only. The schema has no pattern, because
 * validateRunId checks the id and returns the localized 400 INVALID_PARAMETER.
 */
export const RUN_ID_PARAMS = {
  type: 'object',
  properties: { runId: { type: 'string', description: 'Run id such as 20261204T201559Z-3fa9c2.' } },
  required: ['runId'],
} as const;

/** `/api/v1/runs` (summaries, newest first) and `/api/v1/runs/:runId` (the full run record). */
export async function registerRunRoutes(server: FastifyInstance, options: { layout: LakeLayout }): Promise<void> {
  server.get('/api/v1/runs', { schema: { tags: ['runs'], summary: 'Run summaries, newest first' } }, async () => {
    const runs = await listRuns(options.layout);
    return { runs, lastKnownGood: lastKnownGood(runs)?.runId ?? null };
  });

  server.get<{ Params: { runId: string } }>('/api/v1/runs/:runId', { schema: { tags: ['runs'], summary: 'Run record of one run', params: RUN_ID_PARAMS } }, async (request) =>
    readRunRecord(options.layout, request.params.runId),
  );
}
