import { currentLanguage } from '../i18n/language.js';
import { t } from '../i18n/messages.js';

/**
 * A failed API call. `message` is the API's own localized message when the response had the
 * error body `{"error":{"code","message","errorId"}}`, else a dashboard text, and never raw JSON.
 */
export class ApiRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
    readonly errorId: string | undefined,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

const unauthorizedListeners = new Set<() => void>();

/** Registers a listener for a 401 from a data endpoint, which means the session has ended. */
export function onUnauthorized(listener: () => void): void {
  unauthorizedListeners.add(listener);
}

/** Query parameters; an array repeats the parameter, undefined and '' leave it out. */
export type QueryParameters = Record<string, string | readonly string[] | undefined>;

/** Builds `path?query` with repeated keys for arrays, the form the API's `dim.<DIMENSION>` filters use. */
export function buildUrl(path: string, parameters: QueryParameters = {}): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) {
    const values = typeof value === 'string' ? [value] : (value ?? []);
    for (const item of values) {
      if (item !== '') {
        search.append(name, item);
      }
    }
  }
  const query = search.toString();
  return query === '' ? path : `${path}?${query}`;
}

/**
 * GETs JSON from the API in the dashboard's language. The session cookie goes along because the
 * page and the API share one origin. Raises ApiRequestError for any status other than 2xx.
 */
export async function getJson<T>(path: string, parameters: QueryParameters = {}): Promise<T> {
  return requestJson<T>('GET', buildUrl(path, parameters));
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  return requestJson<T>('POST', path, body);
}

async function requestJson<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', 'accept-language': currentLanguage() };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
  }

  let response: Response;
  try {
    response = await fetch(url, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiRequestError(t('networkError'), 0, undefined, undefined);
  }

  if (response.status === 204) {
    return undefined as T;
  }
  const payload = await response.json().catch(() => undefined);
  if (response.ok && payload !== undefined) {
    return payload as T;
  }
  // /api/v1/me reports the signed-out state itself, so only the other endpoints notify.
  if (response.status === 401 && url.startsWith('/api/v1/') && !url.startsWith('/api/v1/me')) {
    for (const listener of unauthorizedListeners) {
      listener();
    }
  }
  throw toRequestError(response.status, payload);
}

function toRequestError(status: number, payload: unknown): ApiRequestError {
  const error = (payload as { error?: { code?: unknown; message?: unknown; errorId?: unknown } } | undefined)?.error;
  if (error !== undefined && typeof error.message === 'string') {
    return new ApiRequestError(
      error.message,
      status,
      typeof error.code === 'string' ? error.code : undefined,
      typeof error.errorId === 'string' ? error.errorId : undefined,
    );
  }
  return new ApiRequestError(t('unexpectedResponse', { status: String(status) }), status, undefined, undefined);
}

/** Returns the text to show for any error thrown while loading a page. */
export function messageOf(error: unknown): string {
  return error instanceof ApiRequestError ? error.message : t('unexpectedError');
}
