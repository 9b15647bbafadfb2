import type { FastifyInstance } from 'fastify';

import { listPublishedModels, type GoldModelSource } from '../gold-models.js';
import { dateDimensionOf } from '../kpi-query.js';
import { requestLanguage } from '../request-language.js';

/** `/api/v1/models`: the gold models of the published snapshot, described in the request's language. */
export async function registerModelRoutes(server: FastifyInstance, source: GoldModelSource): Promise<void> {
  server.get(
    '/api/v1/models',
    {
      schema: {
        tags: ['gold'],
        summary: 'Gold models of the published snapshot',
        description:
          'Each model with its description in the language of Accept-Language (German by default), grain, dimensions, measures, column types and row count. 503 NOTHING_PUBLISHED before the first run.',
      },
    },
    async (request, reply) => {
      const language = requestLanguage(request);
      const { runId, models } = await listPublishedModels(source, request.log);
      reply.header('content-language', language);

      return {
        runId,
        models: models.map((model) => ({
          name: model.name,
          description: model.description[language],
          grain: model.grain,
          dimensions: model.dimensions,
          dateDimension: dateDimensionOf(model)?.name ?? null,
          measures: model.measures.map((measure) => ({ name: measure.name, unit: measure.unit ?? null, description: measure.description[language] })),
          columns: model.columns,
          rows: model.rows,
        })),
      };
    },
  );
}
