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
  RATE_LIMITED: define<{ retryAfterSeconds: number; scope?: 'address' | 'credential' }>({
    httpStatus: 429,
    de: (p) =>
      `Zu viele Anfragen ${p.scope === 'credential' ? 'mit dieser Anmeldung' : 'von dieser Adresse'}. In ${p.retryAfterSeconds} Sekunden erneut versuchen.`,
    en: (p) => `Too many requests ${p.scope === 'credential' ? 'with this login' : 'from this address'}. Try again in ${p.retryAfterSeconds} seconds.`,
  }),
  AUTHENTICATION_REQUIRED: define<Record<string, never>>({
    httpStatus: 401,
    de: () => 'Anmeldung erforderlich. Den API-Token im Header Authorization: Bearer <token> senden oder sich über /auth/login oder /auth/oidc/login anmelden.',
    en: () => 'Authentication required. Send the API token in the header Authorization: Bearer <token>, or sign in through /auth/login or /auth/oidc/login.',
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
  SESSION_INVALID: define<Record<string, never>>({
    httpStatus: 401,
    de: () => 'Die Sitzung ist abgelaufen, wurde beendet oder ist ungültig. Bitte neu anmelden.',
    en: () => 'The session has expired, has ended or is invalid. Please sign in again.',
  }),
  INVALID_CREDENTIALS: define<Record<string, never>>({
    httpStatus: 401,
    de: () => 'Benutzername oder Passwort ist falsch.',
    en: () => 'The user name or password is wrong.',
  }),
  UNSUPPORTED_MEDIA_TYPE: define<{ expected: string }>({
    httpStatus: 415,
    de: (p) => `Der Anfrage-Body muss den Content-Type ${p.expected} haben.`,
    en: (p) => `The request body must have the content type ${p.expected}.`,
  }),
  SIGN_IN_METHOD_DISABLED: define<{ method: string }>({
    httpStatus: 404,
    de: (p) => `Die Anmeldung über ${p.method} ist auf diesem Server nicht eingerichtet. GET /auth/methods nennt die eingerichteten Verfahren.`,
    en: (p) => `Sign-in through ${p.method} is not set up on this server. GET /auth/methods lists the methods that are.`,
  }),
  SESSION_STORE_UNAVAILABLE: define<Record<string, never>>({
    httpStatus: 503,
    de: () => 'Der Sitzungsspeicher (Redis) antwortet nicht, daher ist keine Anmeldung über Sitzungen möglich. API-Tokens funktionieren weiter. Später erneut versuchen.',
    en: () => 'The session store (Redis) does not answer, so session sign-in is not possible. API tokens still work. Try again later.',
  }),
  OIDC_PROVIDER_UNAVAILABLE: define<Record<string, never>>({
    httpStatus: 503,
    de: () => 'Der Identitätsanbieter (OpenID Connect) ist nicht erreichbar. Später erneut versuchen.',
    en: () => 'The identity provider (OpenID Connect) cannot be reached. Try again later.',
  }),
  OIDC_PROVIDER_ERROR: define<{ error: string }>({
    httpStatus: 401,
    de: (p) => `Der Identitätsanbieter hat die Anmeldung abgelehnt (${p.error}). Erneut anmelden oder den Betreiber fragen.`,
    en: (p) => `The identity provider rejected the sign-in (${p.error}). Sign in again or ask the operator.`,
  }),
  OIDC_STATE_MISMATCH: define<Record<string, never>>({
    httpStatus: 400,
    de: () => 'Die Antwort des Identitätsanbieters gehört nicht zu einer Anmeldung, die in diesem Browser begonnen wurde (state fehlt oder passt nicht). Die Anmeldung neu beginnen.',
    en: () => 'The identity provider response does not belong to a sign-in started in this browser (state missing or not matching). Start the sign-in again.',
  }),
  OIDC_LOGIN_EXPIRED: define<{ minutes: number }>({
    httpStatus: 400,
    de: (p) => `Diese Anmeldung ist abgelaufen oder wurde schon abgeschlossen. Eine Anmeldung muss innerhalb von ${p.minutes} Minuten abgeschlossen werden und gilt nur einmal. Die Anmeldung neu beginnen.`,
    en: (p) => `This sign-in has expired or was already completed. A sign-in must be completed within ${p.minutes} minutes and counts only once. Start the sign-in again.`,
  }),
  OIDC_CODE_REJECTED: define<Record<string, never>>({
    httpStatus: 401,
    de: () => 'Der Anmeldecode oder das ID-Token des Identitätsanbieters wurde nicht akzeptiert (abgelaufen, schon verwendet oder ungültig). Die Anmeldung neu beginnen.',
    en: () => 'The authorization code or ID token from the identity provider was not accepted (expired, already used or invalid). Start the sign-in again.',
  }),
  OIDC_NO_ROLE: define<{ claim: string; values: string }>({
    httpStatus: 403,
    de: (p) => `Die Anmeldung war erfolgreich, aber das Konto hat keine Aurora-Rolle: der Claim ${p.claim} enthält ${p.values || 'keinen Wert'}, und keiner davon ist einer Rolle zugeordnet. Den Administrator bitten, eine App-Rolle zuzuweisen.`,
    en: (p) => `Sign-in succeeded, but the account has no Aurora role: the claim ${p.claim} contains ${p.values || 'no value'}, and none of them maps to a role. Ask the administrator to assign an app role.`,
  }),
  INVALID_JSON_BODY: define<Record<string, never>>({
    httpStatus: 400,
    de: () => 'Der Anfrage-Body ist kein gültiges JSON, oder er enthält die Schlüssel __proto__ oder constructor, die der Server ablehnt. Den Body als JSON-Objekt ohne diese Schlüssel senden.',
    en: () => 'The request body is not valid JSON, or it contains the keys __proto__ or constructor, which the server rejects. Send the body as a JSON object without these keys.',
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
  ORDERS_NOT_CONFIGURED: define<Record<string, never>>({
    httpStatus: 404,
    de: () => 'Diese Installation stellt keine Aufträge bereit. Den Abschnitt api.orders in aurora.yaml ergänzen (docs/api.de.md).',
    en: () => 'This deployment serves no orders. Add the section api.orders to aurora.yaml (docs/api.md).',
  }),
  ORDERS_UNAVAILABLE: define<{ table: string; runId: string; column: string | null }>({
    httpStatus: 503,
    de: (p) =>
      p.column === null
        ? `Die Tabelle ${p.table} fehlt im veröffentlichten Snapshot ${p.runId}. Den Abschnitt api.orders in aurora.yaml prüfen.`
        : `Die Spalte ${p.column} fehlt in der Tabelle ${p.table} des veröffentlichten Snapshots ${p.runId}. Die Spalten unter api.orders in aurora.yaml prüfen.`,
    en: (p) =>
      p.column === null
        ? `Table ${p.table} is missing from the published snapshot ${p.runId}. Check the section api.orders in aurora.yaml.`
        : `Column ${p.column} is missing from table ${p.table} of the published snapshot ${p.runId}. Check the columns under api.orders in aurora.yaml.`,
  }),
  QUARANTINE_NOT_FOUND: define<{ runId: string }>({
    httpStatus: 404,
    de: (p) => `Für Lauf ${p.runId} gibt es keinen Snapshot mit Quarantäne: der Lauf ist fehlgeschlagen, oder die Aufbewahrung hat ihn gelöscht.`,
    en: (p) => `Run ${p.runId} has no snapshot with a quarantine: the run failed, or retention removed it.`,
  }),
  EXPORT_TOO_LARGE: define<{ rows: number; maxRows: number }>({
    httpStatus: 400,
    de: (p) => `Der Export hätte ${p.rows} Zeilen, erlaubt sind höchstens ${p.maxRows}. Mit Filtern oder einem kürzeren Zeitraum eingrenzen.`,
    en: (p) => `The export would have ${p.rows} rows, at most ${p.maxRows} are allowed. Narrow it with filters or a shorter date range.`,
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
