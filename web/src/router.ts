/** The pages of the dashboard; the hash `#/<page>?<state>` selects one, so reloads and links keep it. */
export type PageName = 'kpis' | 'orders' | 'quality' | 'sign-in';

export interface Route {
  page: PageName | 'unknown';
  params: URLSearchParams;
}

const PAGES: readonly PageName[] = ['kpis', 'orders', 'quality', 'sign-in'];

export function currentRoute(): Route {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = hash.split('?', 2);
  const page = path === '' ? 'kpis' : (PAGES.find((candidate) => candidate === path) ?? 'unknown');
  return { page, params: new URLSearchParams(query) };
}

export function routeHref(page: PageName, params?: URLSearchParams): string {
  const query = params?.toString() ?? '';
  return `#/${page}${query === '' ? '' : `?${query}`}`;
}

/**
 * Stores page state in the hash without a new history entry and without a hashchange
 * re-render, for filters that the page has already applied.
 */
export function replaceRouteState(page: PageName, params: URLSearchParams): void {
  history.replaceState(null, '', routeHref(page, params));
}
