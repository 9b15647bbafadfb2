import type { TableConfig } from '../config/types.js';
import type { Rule, TableRuleSet } from './types.js';

/**
 * Adds the checks that a declared primary key implies: no NULL in a key column, and no key
 * twice. Legacy databases often declare keys they never enforced, and a duplicated key would
 * otherwise reach silver unnoticed. A rule the rule set already has (an `error` rule of the
 * same type on the same columns) is not added again.
 */
export function withPrimaryKeyRules(ruleSet: TableRuleSet, table: TableConfig, configFile: string): TableRuleSet {
  const origin = { file: configFile, line: table.line ?? 1, key: 'primary_key' };
  const keyText = table.primaryKey.join(', ');

  const implied: Rule[] = table.primaryKey.map((column) => ({
    id: table.primaryKey.length === 1 ? 'primary_key.not_null' : `primary_key.not_null.${column}`,
    type: 'not_null',
    severity: 'error',
    column,
    origin,
    message: {
      de: `Der Primärschlüssel ${column} ist leer (NULL).`,
      en: `The primary key ${column} is empty (NULL).`,
    },
  }));
  implied.push({
    id: 'primary_key.unique',
    type: 'unique',
    severity: 'error',
    columns: [...table.primaryKey],
    origin,
    message: {
      de: `Der Primärschlüssel (${keyText}) kommt mehrfach vor.`,
      en: `The primary key (${keyText}) occurs more than once.`,
    },
  });

  const missing = implied.filter((rule) => !ruleSet.rules.some((existing) => coversSameCheck(existing, rule)));
  return { ...ruleSet, rules: [...missing, ...ruleSet.rules] };
}

function coversSameCheck(existing: Rule, implied: Rule): boolean {
  if (existing.id === implied.id) {
    return true;
  }
  if (existing.severity !== 'error' || existing.where !== undefined || existing.type !== implied.type) {
    return false;
  }
  if (existing.type === 'not_null' && implied.type === 'not_null') {
    return existing.column === implied.column;
  }
  if (existing.type === 'unique' && implied.type === 'unique') {
    return [...existing.columns].sort().join('\u0000') === [...implied.columns].sort().join('\u0000');
  }
  return false;
}
