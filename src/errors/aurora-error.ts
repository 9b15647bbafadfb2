import { DEFAULT_LANGUAGE, type Language } from '../i18n/language.js';
import { ERROR_CATALOG, type ErrorCode, type ErrorParams } from './catalog.js';

/**
 * An error a user can act on: a catalogue code, the values that go into its message, and the
 * driver or system error that caused it. `message` is English for operators' logs;
 * `render(language)` gives the user's text.
 */
export class AuroraError<C extends ErrorCode = ErrorCode> extends Error {
  override readonly name = 'AuroraError';
  readonly code: C;
  readonly params: ErrorParams<C>;

  constructor(code: C, params: ErrorParams<C>, options?: { cause?: unknown }) {
    super(renderMessage(code, params, 'en'), options);
    this.code = code;
    this.params = params;
  }

  get exitCode(): number {
    return ERROR_CATALOG[this.code].exitCode;
  }

  get httpStatus(): number {
    return ERROR_CATALOG[this.code].httpStatus;
  }

  render(language: Language = DEFAULT_LANGUAGE): string {
    return renderMessage(this.code, this.params, language);
  }
}

function renderMessage<C extends ErrorCode>(code: C, params: ErrorParams<C>, language: Language): string {
  const render = ERROR_CATALOG[code][language] as (value: ErrorParams<C>) => string;
  return render(params);
}

export function isAuroraError(error: unknown): error is AuroraError {
  return error instanceof AuroraError;
}

/** Returns the message of any thrown value without its stack, for embedding in other messages. */
export function describeCause(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
