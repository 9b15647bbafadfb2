import type { FastifyInstance } from 'fastify';

import type { Language } from '../../i18n/language.js';
import type { LakeLayout } from '../../lake/lake-layout.js';
import { inspectPublishedSnapshot, type NotReadyReason } from '../lake-reader.js';
import { requestLanguage } from '../request-language.js';

const REASON_TEXT: Record<Language, (reason: NotReadyReason) => string> = {
  de: (reason) => {
    switch (reason.kind) {
      case 'nothing_published':
        return 'Im Lake ist noch kein Snapshot veröffentlicht (CURRENT fehlt).';
      case 'pointer_unreadable':
        return 'Die Datei CURRENT im Lake ist nicht lesbar.';
      case 'manifest_unreadable':
        return `Das Manifest des veröffentlichten Snapshots ${reason.runId} ist nicht lesbar.`;
      case 'silver_file_missing':
        return `Im veröffentlichten Snapshot ${reason.runId} fehlt die Silver-Datei ${reason.file} der Tabelle ${reason.table}.`;
    }
  },
  en: (reason) => {
    switch (reason.kind) {
      case 'nothing_published':
        return 'The lake has no published snapshot yet (CURRENT is missing).';
      case 'pointer_unreadable':
        return 'The CURRENT file in the lake is unreadable.';
      case 'manifest_unreadable':
        return `The manifest of the published snapshot ${reason.runId} is unreadable.`;
      case 'silver_file_missing':
        return `The published snapshot ${reason.runId} is missing the silver file ${reason.file} of table ${reason.table}.`;
    }
  },
};

/** `/healthz` (the process runs) and `/readyz` (the published snapshot can be served). */
export async function registerHealthRoutes(server: FastifyInstance, options: { layout: LakeLayout }): Promise<void> {
  const noRateLimit = { rateLimit: false } as const;

  server.get('/healthz', { config: noRateLimit }, async () => ({ status: 'ok' }));

  server.get('/readyz', { config: noRateLimit }, async (request, reply) => {
    const state = await inspectPublishedSnapshot(options.layout);
    if (state.ready) {
      return { status: 'ready', runId: state.runId };
    }

    // The detail may contain file paths, so it goes to the log and not to the client.
    request.log.warn({ reason: state.reason }, 'not ready');
    return reply.code(503).send({ status: 'unavailable', reason: { code: state.reason.kind, message: REASON_TEXT[requestLanguage(request)](state.reason) } });
  });
}
