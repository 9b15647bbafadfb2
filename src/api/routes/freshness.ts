import type { FastifyInstance } from 'fastify';

import type { LakeLayout } from '../../lake/lake-layout.js';
import { ageInSeconds, requirePublishedRun } from '../published-run.js';

/** `/api/v1/freshness`: per table of the published run, when its data was loaded and how old it is. */
export async function registerFreshnessRoutes(server: FastifyInstance, options: { layout: LakeLayout }): Promise<void> {
  server.get('/api/v1/freshness', { schema: { tags: ['runs'], summary: 'Age of the published data per table' } }, async () => {
    const published = await requirePublishedRun(options.layout);
    const now = new Date();
    const ageSeconds = ageInSeconds(published.finishedAt, now);

    return {
      runId: published.runId,
      publishedAt: published.manifest.publishedAt,
      checkedAt: now.toISOString(),
      tables: published.manifest.tables.map((table) => ({
        table: table.table,
        finishedAt: published.finishedAt,
        ageSeconds,
        silverRows: table.silverRows,
        quarantinedRows: table.quarantinedRows,
      })),
    };
  });
}
