import { ApiRequestError, getJson, messageOf, postJson } from '../api/client.js';
import type { AuthMethods } from '../api/types.js';
import { t } from '../i18n/messages.js';
import { element, errorBox, loadingIndicator } from '../ui/dom.js';

/**
 * Renders the sign-in page: a username and password form when the server accepts local users,
 * and a Microsoft button that starts the OpenID Connect sign-in when it is configured.
 * `onSignedIn` runs after a successful local sign-in.
 */
export async function renderSignInPage(container: HTMLElement, onSignedIn: () => void): Promise<void> {
  const card = element('div', { class: 'sign-in-card' }, [element('h1', { text: t('signInTitle') }), loadingIndicator(t('loading'))]);
  container.replaceChildren(card);

  let methods: AuthMethods;
  try {
    methods = await getJson<AuthMethods>('/auth/methods');
  } catch (error) {
    const unavailable = error instanceof ApiRequestError && error.status === 404;
    card.replaceChildren(element('h1', { text: t('signInTitle') }), errorBox(unavailable ? t('signInUnavailable') : messageOf(error)));
    return;
  }

  const parts: HTMLElement[] = [element('h1', { text: t('signInTitle') }), element('p', { text: t('signInIntro') })];
  if (methods.oidc) {
    parts.push(element('a', { class: 'button microsoft', href: '/auth/oidc/login', text: t('signInMicrosoft') }));
  }
  if (methods.oidc && methods.local) {
    parts.push(element('p', { class: 'divider', text: t('signInOr') }));
  }
  if (methods.local) {
    parts.push(passwordForm(onSignedIn));
  }
  if (!methods.local && !methods.oidc) {
    parts.push(errorBox(t('signInUnavailable')));
  }
  card.replaceChildren(...parts);
}

function passwordForm(onSignedIn: () => void): HTMLFormElement {
  const username = element('input', { id: 'username', name: 'username', type: 'text', autocomplete: 'username', required: true });
  const password = element('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = element('button', { type: 'submit', class: 'button', text: t('signInButton') });
  const messageSlot = element('div', { class: 'form-message' });

  const form = element('form', { class: 'sign-in-form', method: 'post', action: '/auth/login' }, [
    element('div', { class: 'field' }, [element('label', { for: 'username', text: t('username') }), username]),
    element('div', { class: 'field' }, [element('label', { for: 'password', text: t('password') }), password]),
    messageSlot,
    submit,
  ]);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit.disabled = true;
    messageSlot.replaceChildren();
    postJson<unknown>('/auth/login', { username: username.value, password: password.value })
      .then(() => onSignedIn())
      .catch((error: unknown) => {
        messageSlot.replaceChildren(errorBox(messageOf(error)));
        password.value = '';
        password.focus();
      })
      .finally(() => {
        submit.disabled = false;
      });
  });
  return form;
}
