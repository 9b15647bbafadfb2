/** Query parameters that drivers accept as credentials (`?password=`, `?sslpassword=`, tokens). */
const SECRET_PARAMETER = /pass|pwd|secret|token|key/i;

/**
 * Removes credentials from a connection URL so it can go into messages, logs and reports:
 * `postgres://aurora:secret@db/erp?password=x` becomes `postgres://aurora@db/erp?password=***`.
 * It works on text that `new URL` rejects, such as a password with an unencoded `@` or `/`:
 * everything up to the last `@` counts as user information, because host names and paths
 * have no `@`.
 */
export function redactUrl(url: string): string {
  const authorityAt = url.indexOf('//');
  if (authorityAt < 0) {
    return url;
  }
  const scheme = url.slice(0, authorityAt + 2);

  let rest = url.slice(scheme.length);
  const lastAt = rest.lastIndexOf('@');
  if (lastAt >= 0) {
    const user = rest.slice(0, lastAt).split(':', 1)[0] ?? '';
    rest = `${user === '' ? '' : `${user}@`}${rest.slice(lastAt + 1)}`;
  }

  const queryAt = rest.indexOf('?');
  if (queryAt >= 0) {
    const query = rest
      .slice(queryAt + 1)
      .split('&')
      .map((pair) => {
        const [name = '', ...value] = pair.split('=');
        return SECRET_PARAMETER.test(decodeURIComponentSafely(name)) && value.length > 0 ? `${name}=***` : pair;
      })
      .join('&');
    rest = `${rest.slice(0, queryAt)}?${query}`;
  }

  return `${scheme}${rest}`;
}

function decodeURIComponentSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
