import type { Me } from './api/types.js';
import { t, type MessageKey } from './i18n/messages.js';
import { mayUse } from './pages/page-context.js';
import { routeHref, type PageName } from './router.js';
import { element } from './ui/dom.js';
import { createLanguageToggle } from './ui/language-toggle.js';

const NAVIGATION: readonly { page: PageName; label: MessageKey; part: Parameters<typeof mayUse>[1] }[] = [
  { page: 'kpis', label: 'navKpis', part: 'kpis' },
  { page: 'orders', label: 'navOrders', part: 'orders' },
  { page: 'quality', label: 'navQuality', part: 'quality' },
];

export interface ShellOptions {
  me: Me | null;
  /** false on the sign-in page, which has no navigation. */
  signedIn: boolean;
  activePage: PageName | 'unknown';
  onSignOut: () => void;
}

/** Renders the frame around every page: skip link, header with navigation, user and language switch, and the main region. */
export function renderShell(root: HTMLElement, options: ShellOptions): HTMLElement {
  const main = element('main', { id: 'content', tabindex: '-1' });
  const navigation = options.signedIn
    ? element(
        'nav',
        { 'aria-label': t('mainNavigation') },
        [
          element(
            'ul',
            {},
            NAVIGATION.filter((item) => mayUse(options.me, item.part)).map((item) =>
              element('li', {}, [
                element('a', { href: routeHref(item.page), 'aria-current': item.page === options.activePage ? 'page' : undefined, text: t(item.label) }),
              ]),
            ),
          ),
        ],
      )
    : null;

  // Without authentication there is no user to show, and a token cannot be signed out.
  const me = options.me;
  const user =
    me === null || me.method === 'none'
      ? null
      : element('div', { class: 'user' }, [
          element('span', { class: 'user-name', title: `${t('signedInAs')} ${me.name} (${me.role})`, text: me.name }),
          me.method === 'token' ? null : element('button', { type: 'button', class: 'button small secondary', text: t('signOut'), onclick: options.onSignOut }),
        ]);

  root.replaceChildren(
    element('a', { class: 'skip-link', href: '#content', text: t('skipToContent') }),
    element('header', { class: 'app-header' }, [
      element('div', { class: 'brand' }, [
        element('span', { class: 'brand-mark', 'aria-hidden': 'true' }),
        element('span', { class: 'brand-name', text: t('appTitle') }),
        element('span', { class: 'brand-subtitle', text: t('appSubtitle') }),
      ]),
      navigation,
      element('div', { class: 'header-tools' }, [user, createLanguageToggle()]),
    ]),
    main,
  );
  return main;
}
