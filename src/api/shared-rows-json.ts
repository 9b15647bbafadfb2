import type { FastifyInstance } from 'fastify';

/**
 * Rows arrays that many responses send unchanged (pages from the KPI page cache), each with its
 * JSON text once it has been built. Turning the same rows into JSON for every response cost
 * about an eighth of the CPU of a loaded server (measured with --cpu-prof, bench/api-load.ts).
 */
const sharedRows = new WeakMap<object, { json?: string }>();

/** Marks `rows` as sent unchanged by many responses; it must not be modified afterwards. */
export function shareRowsJson(rows: readonly unknown[]): void {
  if (!sharedRows.has(rows)) {
    sharedRows.set(rows, {});
  }
}

/**
 * Serializes a response body whose `rows` were marked by shareRowsJson with their JSON built
 * once; every other body goes through Fastify's usual serialization.
 */
export function registerSharedRowsSerializer(server: FastifyInstance): void {
  server.addHook('preSerialization', async (_request, reply, payload) => {
    const rows = typeof payload === 'object' && payload !== null ? (payload as { rows?: unknown }).rows : undefined;
    if (typeof rows === 'object' && rows !== null && sharedRows.has(rows)) {
      reply.serializer(serializeWithSharedRows);
    }
    return payload;
  });
}

function serializeWithSharedRows(payload: unknown): string {
  const { rows, ...rest } = payload as { rows: object };
  const entry = sharedRows.get(rows) ?? {};
  entry.json ??= JSON.stringify(rows);

  // The other fields (run id, model, cursor) are small and differ per response.
  const head = JSON.stringify(rest);
  return head === '{}' ? `{"rows":${entry.json}}` : `${head.slice(0, -1)},"rows":${entry.json}}`;
}
