import type { Language } from '../i18n/language.js';

interface ApiErrorDefinition<P> {
  httpStatus: number;
  de: (params: P) => string;
  en: (params: P) => string;
}

function define<P>(definition: ApiErrorDefinition<P>): ApiErrorDefinition<P> {
  return definition;
}

/**
 * Errors that only the HTTP API raises, with their status and message in each language. Errors
 * from the pipeline and the lake keep their codes from src/errors/catalog.ts.
 */
export const API_ERROR_CATALOG = {
  ROUTE_NOT_FOUND: define<{ method: string; url: string }>({
    httpStatus: 404,
    de: (p) => `Die Adresse ${p.method} ${p.url} gibt es nicht. Die Endpunkte stehen in docs/api.de.md.`,
    en: (p) => `There is no endpoint ${p.method} ${p.url}. The endpoints are listed in docs/api.md.`,
  }),
  INVALID_PARAMETER: define<{ field: string; reason: { de: string; en: string } }>({
    httpStatus: 400,
    de: (p) => `Ungültiger Wert für ${p.field}: ${p.reason.de}`,
    en: (p) => `Invalid value for ${p.field}: ${p.reason.en}`,
  }),
  RUN_NOT_FOUND: define<{ runId: string }>({
    httpStatus: 404,
    de: (p) => `Lauf ${p.runId} gibt es im Lake nicht. Vorhandene Läufe liefert GET /api/v1/runs.`,
    en: (p) => `Run ${p.runId} does not exist in the lake. GET /api/v1/runs lists the existing runs.`,
  }),
  REPORT_NOT_FOUND: define<{ runId: string }>({
    httpStatus: 404,
    de: (p) => `Für Lauf ${p.runId} gibt es keinen Qualitätsbericht. Vorhandene Läufe liefert GET /api/v1/runs.`,
    en: (p) => `There is no quality report for run ${p.runId}. GET /api/v1/runs lists the existing runs.`,
  }),
  MODEL_NOT_FOUND: define<{ model: string }>({
    httpStatus: 404,
    de: (p) => `Das Gold-Modell ${p.model} gibt es im veröffentlichten Snapshot nicht. Vorhandene Modelle liefert GET /api/v1/models.`,
    en: (p) => `Gold model ${p.model} does not exist in the published snapshot. GET /api/v1/models lists the existing models.`,
  }),
  MODEL_UNAVAILABLE: define<{ model: string }>({
    httpStatus: 503,
    de: (p) => `Das Gold-Modell ${p.model} ist veröffentlicht, aber seine Beschreibung ${p.model}.yaml fehlt im Modellordner des Servers oder ist ungültig. Den Ordner unter models in aurora.yaml prüfen.`,
    en: (p) => `Gold model ${p.model} is published, but its description ${p.model}.yaml is missing from the server's models folder or invalid. Check the models folder in aurora.yaml.`,
  }),
  NOTHING_PUBLISHED: define<Record<string, never>>({
    httpStatus: 503,
    de: () => 'Im Lake ist noch kein Snapshot veröffentlicht. Zuerst einen Lauf mit aurora run abschließen.',
    en: () => 'The lake has no published snapshot yet. Complete a run with aurora run first.',
  }),
  RATE_LIMITED: define<{ retryAfterSeconds: number }>({
    httpStatus: 429,
    de: (p) => `Zu viele Anfragen von dieser Adresse. In ${p.retryAfterSeconds} Sekunden erneut versuchen.`,
    en: (p) => `Too many requests from this address. Try again in ${p.retryAfterSeconds} seconds.`,
  }),
  AUTHENTICATION_REQUIRED: define<Record<string, never>>({
    httpStatus: 401,
    de: () => 'Anmeldung erforderlich. Den API-Token im Header Authorization: Bearer <token> senden.',
    en: () => 'Authentication required. Send the API token in the header Authorization: Bearer <token>.',
  }),
  MALFORMED_AUTHORIZATION: define<Record<string, never>>({
    httpStatus: 401,
    de: () => 'Der Header Authorization ist ungültig. Erwartet wird Authorization: Bearer <token> mit genau einem Token.',
    en: () => 'The Authorization header is invalid. Expected Authorization: Bearer <token> with exactly one token.',
  }),
  INVALID_TOKEN: define<Record<string, never>>({
    httpStatus: 401,
    de: () => 'Der API-Token ist unbekannt oder wurde widerrufen. Einen gültigen Token beim Betreiber anfordern.',
    en: () => 'The API token is unknown or has been revoked. Request a valid token from the operator.',
  }),
  ROLE_NOT_ALLOWED: define<{ role: string; allowedRoles: string; route: string }>({
    httpStatus: 403,
    de: (p) => `Die Rolle ${p.role} darf ${p.route} nicht abrufen. Nötig ist eine dieser Rollen: ${p.allowedRoles}.`,
    en: (p) => `Role ${p.role} may not call ${p.route}. One of these roles is required: ${p.allowedRoles}.`,
  }),
  BAD_REQUEST: define<{ detail: string }>({
    httpStatus: 400,
    de: (p) => `Die Anfrage ist ungültig: ${p.detail}`,
    en: (p) => `The request is invalid: ${p.detail}`,
  }),
  PAYLOAD_TOO_LARGE: define<{ limitBytes: number }>({
    httpStatus: 413,
    de: (p) => `Der Anfrage-Body ist größer als ${p.limitBytes} Bytes.`,
    en: (p) => `The request body is larger than ${p.limitBytes} bytes.`,
  }),
  INTERNAL: define<{ errorId: string }>({
    httpStatus: 500,
    de: (p) => `Interner Fehler. Bitte mit der Fehler-ID ${p.errorId} melden.`,
    en: (p) => `Internal error. Please report it with error id ${p.errorId}.`,
  }),
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_CATALOG;

export type ApiErrorParams<C extends ApiErrorCode> = Parameters<(typeof API_ERROR_CATALOG)[C]['en']>[0];

/** An error the API returns to the client as is, with a catalogue code and localized message. */
export class ApiError<C extends ApiErrorCode = ApiErrorCode> extends Error {
  override readonly name = 'ApiError';
  readonly code: C;
  readonly params: ApiErrorParams<C>;

  constructor(code: C, params: ApiErrorParams<C>) {
    super(renderApiMessage(code, params, 'en'));
    this.code = code;
    this.params = params;
  }

  /** Read by Fastify and by the rate-limit plugin, which throws what errorResponseBuilder returns. */
  get statusCode(): number {
    return API_ERROR_CATALOG[this.code].httpStatus;
  }

  render(language: Language): string {
    return renderApiMessage(this.code, this.params, language);
  }
}

function renderApiMessage<C extends ApiErrorCode>(code: C, params: ApiErrorParams<C>, language: Language): string {
  const render = API_ERROR_CATALOG[code][language] as (value: ApiErrorParams<C>) => string;
  return render(params);
}
