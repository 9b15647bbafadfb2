import type { SourceConfig } from '../config/types.js';
import { AuroraError, describeCause, isAuroraError } from '../errors/aurora-error.js';
import type { Source } from './types.js';
import { redactUrl } from '../config/redact-url.js';

export { redactUrl };

/** Returns the password part of a URL, so that driver messages can be scrubbed of it. */
function passwordOf(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password.length > 0 ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}

/** Removes every occurrence of `secret` (raw and URL-encoded) from a message. */
export function scrubSecret(text: string, secret: string | undefined): string {
  if (!secret) {
    return text;
  }
  return text.replaceAll(secret, '***').replaceAll(encodeURIComponent(secret), '***');
}

/**
 * Opens the source that `config` names and runs a first query on it.
 *
 * @throws AuroraError SOURCE_UNREACHABLE when the server, database or file cannot be reached;
 *   the message names the source by its URL without the password.
 */
export async function createSource(config: SourceConfig): Promise<Source> {
  const displayName = describeSource(config);
  const secret = 'url' in config ? passwordOf(config.url) : undefined;

  try {
    switch (config.type) {
      case 'postgres': {
        const { connectPostgresSource } = await import('./postgres/postgres-source.js');
        return await connectPostgresSource(config, displayName);
      }
      case 'mysql': {
        const { connectMysqlSource } = await import('./mysql/mysql-source.js');
        return await connectMysqlSource(config, displayName);
      }
      case 'sqlite': {
        const { openSqliteSource } = await import('./sqlite/sqlite-source.js');
        return await openSqliteSource(config, displayName);
      }
      case 'files': {
        const { openFilesSource } = await import('./files/files-source.js');
        return await openFilesSource(config, displayName);
      }
    }
  } catch (error) {
    if (isAuroraError(error)) {
      throw error;
    }
    throw new AuroraError(
      'SOURCE_UNREACHABLE',
      { source: displayName, detail: scrubSecret(describeConnectFailure(error), secret) },
      { cause: error },
    );
  }
}

/**
 * Describes a connection failure. Node reports a host name whose every address refused as an
 * AggregateError with an empty message, so the inner errors are listed instead.
 */
function describeConnectFailure(error: unknown): string {
  if (error instanceof AggregateError && error.message === '' && error.errors.length > 0) {
    return error.errors.map((inner: unknown) => describeCause(inner)).join('; ');
  }
  return describeCause(error);
}

/** Names a source for messages: the URL without password, or the file or folder path. */
export function describeSource(config: SourceConfig): string {
  switch (config.type) {
    case 'postgres':
    case 'mysql':
      return redactUrl(config.url);
    case 'sqlite':
      return config.path;
    case 'files':
      return config.folder;
  }
}
