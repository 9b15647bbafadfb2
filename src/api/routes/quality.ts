import type { FastifyInstance } from 'fastify';

import type { LakeLayout } from '../../lake/lake-layout.js';
import { readQualityReport } from '../lake-reader.js';
import { RUN_ID_PARAMS } from './runs.js';

/** `/api/v1/quality/:runId`: the run's report.json, as the pipeline wrote it. */
export async function registerQualityRoutes(server: FastifyInstance, options: { layout: LakeLayout }): Promise<void> {
  server.get<{ Params: { runId: string } }>('/api/v1/quality/:runId', { schema: { tags: ['runs'], summary: 'Data-quality report of one run', params: RUN_ID_PARAMS } }, async (request) => readQualityReport(options.layout, request.params.runId));
}
