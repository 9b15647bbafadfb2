/**
 * Removes the password from a URL, so the URL can go into messages and logs. For example,
 * `postgres://aurora:secret@db/erp` becomes `postgres://aurora@db/erp`. Works on text that
 * `new URL` rejects, because invalid URLs are reported too.
 */
export function redactUrl(url: string): string {
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*)@/, (_whole, prefix: string, userInfo: string) => {
    const user = userInfo.split(':', 1)[0] ?? '';
    return user === '' ? prefix : `${prefix}${user}@`;
  });
}
