import type { FastifyInstance, FastifyRequest, FastifySchemaValidationError } from 'fastify';

import type { LocalizedText } from '../gold/load-models.js';
import { ApiError } from './api-error.js';

/**
 * Reasons per request field, shown when the route's JSON schema rejects it. A field missing
 * here gets `fallback`, which should list the allowed parameters.
 */
export interface FieldReasons {
  fields: Readonly<Record<string, LocalizedText>>;
  /** Reason for fields that start with a prefix such as `dim.`, checked when `fields` has no entry. */
  prefixes?: Readonly<Record<string, LocalizedText>>;
  fallback: LocalizedText;
}

/**
 * Raises INVALID_PARAMETER for the first schema violation of a route registered with
 * `attachValidation: true`, naming the field in German and English instead of ajv's English text.
 */
export function rejectInvalidRequest(request: FastifyRequest, reasons: FieldReasons): void {
  const error = request.validationError as (Error & { validation?: FastifySchemaValidationError[] }) | undefined;
  if (error === undefined) {
    return;
  }

  const first = error.validation?.[0];
  const field = first === undefined ? 'request' : fieldOf(first);
  const prefix = Object.keys(reasons.prefixes ?? {}).find((candidate) => field.startsWith(candidate));
  const reason = reasons.fields[field] ?? (prefix === undefined ? undefined : reasons.prefixes?.[prefix]) ?? reasons.fallback;
  throw new ApiError('INVALID_PARAMETER', { field, reason });
}

/** Returns the top-level field of an ajv error: `/dim.REGION/0` is `dim.REGION`. */
function fieldOf(error: FastifySchemaValidationError): string {
  const missing = (error.params as { missingProperty?: unknown }).missingProperty;
  if (error.instancePath === '' && typeof missing === 'string') {
    return missing;
  }
  const segment = error.instancePath.split('/')[1] ?? '';
  // JSON Pointer (RFC 6901) escapes `/` as ~1 and `~` as ~0.
  return segment.replaceAll('~1', '/').replaceAll('~0', '~') || 'request';
}

/** Query parameters that take a count, such as `limit`. */
const WHOLE_NUMBER_PARAMETERS = ['limit'] as const;

/**
 * Rejects counts written other than as plain digits. The schemas' type coercion would read
 * `0x10` as 16 and `1e1` or ` 10` as 10, which a client sending them did not mean.
 */
export function registerWholeNumberCheck(server: FastifyInstance): void {
  server.addHook('preValidation', async (request) => {
    const query = request.query as Record<string, unknown> | undefined;
    for (const field of WHOLE_NUMBER_PARAMETERS) {
      const value = query?.[field];
      if (value !== undefined && (typeof value !== 'string' || !/^\d{1,9}$/.test(value))) {
        throw new ApiError('INVALID_PARAMETER', {
          field,
          reason: { de: 'erwartet wird eine ganze Zahl aus Ziffern, etwa 50.', en: 'expected a whole number written in digits, such as 50.' },
        });
      }
    }
  });
}
