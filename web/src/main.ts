import { ApiRequestError, getJson, messageOf, onUnauthorized, postJson } from './api/client.js';
import type { Me } from './api/types.js';
import { currentLanguage, onLanguageChange } from './i18n/language.js';
import { t } from './i18n/messages.js';
import { renderKpiPage } from './pages/kpi-page.js';
import { renderOrdersPage } from './pages/orders-page.js';
import { mayUse, type PageContext } from './pages/page-context.js';
import { renderQualityPage } from './pages/quality-page.js';
import { renderSignInPage } from './pages/sign-in-page.js';
import { currentRoute, replaceRouteState } from './router.js';
import { renderShell } from './shell.js';
import { element, errorBox } from './ui/dom.js';

/** The user of the session: a Me, null when the server runs without sign-in, or 'signed-out'. */
type Session = Me | null | 'signed-out';

const root = document.getElementById('app') as HTMLElement;
let session: Session = null;

/**
 * Asks the API who is signed in. 401 means signed out. 404 means the server has no sign-in
 * (`aurora serve --no-auth`), so the dashboard runs without a user and the API decides access.
 */
async function loadSession(): Promise<Session> {
  try {
    return await getJson<Me>('/api/v1/me');
  } catch (error) {
    if (error instanceof ApiRequestError && error.status === 401) {
      return 'signed-out';
    }
    if (error instanceof ApiRequestError && error.status === 404) {
      return null;
    }
    throw error;
  }
}

function render(): void {
  const route = currentRoute();
  document.documentElement.lang = currentLanguage();

  if (session === 'signed-out') {
    const main = renderShell(root, { me: null, signedIn: false, activePage: 'sign-in', onSignOut: signOut });
    document.title = `${t('signInTitle')} – Aurora`;
    void renderSignInPage(main, () => void start());
    return;
  }

  const me = session;
  const main = renderShell(root, { me, signedIn: true, activePage: route.page, onSignOut: signOut });
  const context: PageContext = { me, params: route.params };

  switch (route.page) {
    case 'kpis':
    case 'sign-in':
      document.title = `${t('kpiTitle')} – Aurora`;
      void renderKpiPage(main, context);
      return;
    case 'orders':
      document.title = `${t('ordersTitle')} – Aurora`;
      if (!mayUse(me, 'orders')) {
        main.replaceChildren(element('h1', { text: t('ordersTitle') }), errorBox(t('notAllowed')));
        return;
      }
      renderOrdersPage(main, context);
      return;
    case 'quality':
      document.title = `${t('qualityTitle')} – Aurora`;
      if (!mayUse(me, 'quality')) {
        main.replaceChildren(element('h1', { text: t('qualityTitle') }), errorBox(t('notAllowed')));
        return;
      }
      void renderQualityPage(main, context);
      return;
    case 'unknown':
      main.replaceChildren(element('h1', { text: 'Aurora' }), errorBox(t('notFound')));
  }
}

async function start(): Promise<void> {
  try {
    session = await loadSession();
  } catch (error) {
    const main = renderShell(root, { me: null, signedIn: false, activePage: 'unknown', onSignOut: signOut });
    main.replaceChildren(errorBox(messageOf(error), () => void start()));
    return;
  }
  if (session !== 'signed-out' && currentRoute().page === 'sign-in') {
    replaceRouteState('kpis', new URLSearchParams());
  }
  render();
}

function signOut(): void {
  postJson<unknown>('/auth/logout', {})
    .then(() => {
      session = 'signed-out';
      render();
    })
    .catch((error: unknown) => {
      root.querySelector('main')?.prepend(errorBox(messageOf(error)));
    });
}

window.addEventListener('hashchange', () => {
  const main = root.querySelector('main');
  render();
  // After a navigation the keyboard focus moves to the new page's content, as a page load would.
  if (main !== null) {
    root.querySelector<HTMLElement>('main')?.focus();
  }
});
onLanguageChange(() => render());
onUnauthorized(() => {
  // An expired or revoked session sends the user back to the sign-in page, once.
  if (session !== 'signed-out' && session !== null) {
    session = 'signed-out';
    render();
  }
});
void start();
