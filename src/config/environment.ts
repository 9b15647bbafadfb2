/** A `${NAME}` or `${NAME:-default}` reference; `$${...}` is an escaped literal. */
const REFERENCE = /\$(\$)?\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface SubstitutionResult {
  value: string;
  /** Variables referenced but not set and without a default. */
  missing: string[];
  /** Values taken from the environment (not defaults), for redaction. */
  substituted: string[];
}

/**
 * Replaces environment references in one config string. Substitution runs on parsed values,
 * never on the YAML text, so a variable's content cannot change the file's structure.
 */
export function substituteEnvironment(text: string, env: NodeJS.ProcessEnv): SubstitutionResult {
  const missing: string[] = [];
  const substituted: string[] = [];

  const value = text.replace(REFERENCE, (whole, escaped: string | undefined, name: string, fallback: string | undefined) => {
    if (escaped) {
      return whole.slice(1);
    }

    const fromEnv = env[name];
    if (fromEnv !== undefined && fromEnv !== '') {
      substituted.push(fromEnv);
      return fromEnv;
    }
    if (fallback !== undefined) {
      return fallback;
    }

    missing.push(name);
    return '';
  });

  return { value, missing, substituted };
}

/** Replaces every secret in a text with `***`, longest first so that overlapping secrets go whole. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  return [...secrets]
    .filter((secret) => secret.length >= 3)
    .sort((a, b) => b.length - a.length)
    .reduce((redacted, secret) => redacted.split(secret).join('***').split(encodeURIComponent(secret)).join('***'), text);
}
