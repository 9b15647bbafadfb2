import { t } from '../i18n/messages.js';

/** Attributes of `element()`: `text` sets textContent, `on*` functions become event listeners. */
type Attributes = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

/**
 * Creates an HTML element with attributes and children. Text is always set as text, never as
 * HTML, so values from the API cannot inject markup.
 */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  children: readonly (Node | string | null | undefined)[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) {
      continue;
    }
    if (typeof value === 'function') {
      node.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === 'text') {
      node.textContent = String(value);
    } else {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children) {
    if (child !== null && child !== undefined) {
      node.append(child);
    }
  }
  return node;
}

const SVG_NAMESPACE = 'http://www.w3.org/2000/svg';

/** Creates an SVG element; numbers are written as attribute text. */
export function svgElement<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number> = {},
  children: readonly (Node | string)[] = [],
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG_NAMESPACE, tag);
  for (const [name, value] of Object.entries(attributes)) {
    node.setAttribute(name, String(value));
  }
  node.append(...children);
  return node;
}

/** Shows an error message in an alert region, so screen readers announce it. */
export function errorBox(message: string, retry?: () => void): HTMLElement {
  return element('div', { class: 'error-box', role: 'alert' }, [
    element('p', { text: message }),
    retry ? element('button', { type: 'button', class: 'button secondary', text: t('retry'), onclick: retry }) : null,
  ]);
}

export function loadingIndicator(text: string): HTMLElement {
  return element('p', { class: 'loading', role: 'status', text });
}
