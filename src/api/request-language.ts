import type { FastifyRequest } from 'fastify';

import { DEFAULT_LANGUAGE, parseLanguage, type Language } from '../i18n/language.js';

/**
 * Picks the response language from `Accept-Language` (RFC 9110): the supported tag with the
 * highest q-value, German when the header is missing or names no supported language.
 */
export function languageOfHeader(header: string | undefined): Language {
  if (!header) {
    return DEFAULT_LANGUAGE;
  }

  const candidates = header.split(',').map((entry, index) => {
    const [tag = '', ...parameters] = entry.trim().split(';');
    const quality = parameters.map((parameter) => /^\s*q=([0-9.]+)\s*$/.exec(parameter)?.[1]).find((value) => value !== undefined);
    return { language: parseLanguage(tag), quality: quality === undefined ? 1 : Number(quality), index };
  });

  const best = candidates
    .filter((candidate) => candidate.language !== undefined && candidate.quality > 0)
    .sort((a, b) => b.quality - a.quality || a.index - b.index)[0];
  return best?.language ?? DEFAULT_LANGUAGE;
}

export function requestLanguage(request: FastifyRequest): Language {
  return languageOfHeader(request.headers['accept-language']);
}
