import type { FastifyInstance } from 'fastify';

import type { LakeLayout } from '../../lake/lake-layout.js';
import { lastKnownGood, listRuns } from '../../lake/run-history.js';
import { readRunRecord } from '../lake-reader.js';

/** `/api/v1/runs` (summaries, newest first) and `/api/v1/runs/:runId` (the full run record). */
export async function registerRunRoutes(server: FastifyInstance, options: { layout: LakeLayout }): Promise<void> {
  server.get('/api/v1/runs', async () => {
    const runs = await listRuns(options.layout);
    return { runs, lastKnownGood: lastKnownGood(runs)?.runId ?? null };
  });

  server.get<{ Params: { runId: string } }>('/api/v1/runs/:runId', async (request) => readRunRecord(options.layout, request.params.runId));
}
