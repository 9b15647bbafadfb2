/**
 * Sections of docs/benchmarks.md that belong to one benchmark script. Every script rewrites the
 * page, so each keeps the others' sections: a section sits between two HTML comments named
 * after it, `<!-- name:start -->` and `<!-- name:end -->`.
 */

export type PageSectionName = 'api-load' | 'dashboard-load';

export const PAGE_SECTION_NAMES: readonly PageSectionName[] = ['api-load', 'dashboard-load'];

export function sectionStart(name: PageSectionName): string {
  return `<!-- ${name}:start -->`;
}

export function sectionEnd(name: PageSectionName): string {
  return `<!-- ${name}:end -->`;
}

/** Returns the named section of a page with its markers, or undefined when the page has none. */
export function extractSection(page: string, name: PageSectionName): string | undefined {
  const start = page.indexOf(sectionStart(name));
  const end = page.indexOf(sectionEnd(name));
  return start >= 0 && end > start ? page.slice(start, end + sectionEnd(name).length) : undefined;
}

/** Replaces the named section in `page`, or appends it when the page has none yet. */
export function withSection(page: string, name: PageSectionName, section: string | undefined): string {
  if (section === undefined) {
    return page;
  }
  const existing = extractSection(page, name);
  if (existing !== undefined) {
    return page.replace(existing, () => section);
  }
  return `${page.trimEnd()}\n\n${section}\n`;
}
