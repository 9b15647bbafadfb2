/**
 * Response schemas shared by the data endpoints. Fastify serializes responses with them, so a
 * cell keeps its JSON type: decimals and 64-bit integers stay strings, NULL stays null.
 */

/** A cell of a row: text (decimals, 64-bit integers, dates), number, boolean or null. */
export const API_VALUE_SCHEMA = { type: ['string', 'number', 'boolean', 'null'] } as const;

export const API_ROW_SCHEMA = { type: 'object', additionalProperties: API_VALUE_SCHEMA } as const;

/** `{ runId, rows, nextCursor }` of the paged row endpoints. */
export const API_ROWS_RESPONSE = {
  type: 'object',
  required: ['runId', 'rows', 'nextCursor'],
  properties: {
    runId: { type: 'string', description: 'Run whose published snapshot the rows come from.' },
    rows: { type: 'array', items: API_ROW_SCHEMA },
    nextCursor: { type: ['string', 'null'], description: 'Pass as cursor to read the next page; null on the last page.' },
  },
} as const;

/** The orders page: the paged rows plus each column's heading in the request's language. */
export const ORDERS_RESPONSE = {
  ...API_ROWS_RESPONSE,
  required: [...API_ROWS_RESPONSE.required, 'columns'],
  properties: {
    ...API_ROWS_RESPONSE.properties,
    columns: {
      type: 'array',
      description: 'The columns of each row in order, with the heading declared under api.orders in aurora.yaml.',
      items: { type: 'object', required: ['name', 'label'], properties: { name: { type: 'string' }, label: { type: 'string' } } },
    },
  },
} as const;

/** The body of every error response (see error-handler.ts). */
const ERROR_BODY = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'errorId'],
      properties: {
        code: { type: 'string', description: 'Error code such as INVALID_PARAMETER; docs/api.md lists them.' },
        message: { type: 'string', description: 'German unless Accept-Language prefers English; names the invalid parameter.' },
        errorId: { type: 'string', description: 'Also in the server log line of the error.' },
      },
    },
  },
} as const;

/** Error responses of the data endpoints, for the OpenAPI document. */
export const ERROR_RESPONSES = {
  400: { ...ERROR_BODY, description: 'INVALID_PARAMETER (the message names the parameter and the reason), or EXPORT_TOO_LARGE.' },
  401: { ...ERROR_BODY, description: 'No or an invalid credential.' },
  403: { ...ERROR_BODY, description: 'ROLE_NOT_ALLOWED: the role may not call this endpoint.' },
  404: { ...ERROR_BODY, description: 'The run, model or configuration named by the request does not exist.' },
  503: { ...ERROR_BODY, description: 'NOTHING_PUBLISHED, or the published snapshot lacks what the endpoint reads.' },
} as const;
