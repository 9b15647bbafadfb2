/**
 * Data-quality rules as they are after parsing and validation of the YAML rule files. Column
 * names are the table's own names; literal values keep the text they were written with, so
 * decimals and 64-bit integers never pass through a JS double.
 */

export type Severity = 'error' | 'warn';

/** A message in every user language. */
export interface LocalizedText {
  de: string;
  en: string;
}

/** Where a rule was written, for messages that point back into the YAML. */
export interface RuleOrigin {
  file: string;
  line: number;
  /** YAML path of the rule, for example `rules[3]`. */
  key: string;
}

interface RuleBase {
  id: string;
  severity: Severity;
  /** Optional SQL condition over the table's columns; the rule applies only where it is true. */
  where?: string;
  message: LocalizedText;
  origin: RuleOrigin;
}

export interface NotNullRule extends RuleBase {
  type: 'not_null';
  column: string;
}

export interface UniqueRule extends RuleBase {
  type: 'unique';
  columns: string[];
}

export interface AcceptedValuesRule extends RuleBase {
  type: 'accepted_values';
  column: string;
  values: string[];
}

export interface RangeRule extends RuleBase {
  type: 'range';
  column: string;
  /** Bounds as literal text (`0`, `1.5`, `2020-01-01`), cast to the column's type in SQL. */
  min?: string;
  max?: string;
  minInclusive: boolean;
  maxInclusive: boolean;
}

export interface PatternRule extends RuleBase {
  type: 'pattern';
  column: string;
  /** An RE2 regular expression that the whole value must match. */
  regex: string;
}

export interface LengthRule extends RuleBase {
  type: 'length';
  column: string;
  min?: number;
  max?: number;
}

/** Number formats that `convertible` understands; `de` is `1.234,56`, `en` is `1,234.56`. */
export type NumberFormat = 'plain' | 'de' | 'en';

export interface ConvertibleRule extends RuleBase {
  type: 'convertible';
  column: string;
  to: 'number' | 'date' | 'timestamp';
  /**
   * For dates and timestamps: strptime formats such as `%d.%m.%Y` or `%Y-%m-%d`. For numbers:
   * `plain`, `de`, `en`. The value must parse in at least one of them.
   */
  formats: string[];
}

export interface RelationshipRule extends RuleBase {
  type: 'relationship';
  columns: string[];
  references: { table: string; columns: string[] };
}

export interface ExpressionRule extends RuleBase {
  type: 'expression';
  /** A row-level SQL condition that must hold; it may read only the table's own columns. */
  expression: string;
}

export interface RowCountRule extends RuleBase {
  type: 'row_count';
  min?: number;
  max?: number;
}

export interface FreshnessRule extends RuleBase {
  type: 'freshness';
  column: string;
  /** Maximum age of the newest value, in seconds (parsed from `36h`, `7d`, `P1D`). */
  maxAgeSeconds: number;
}

/** Rules evaluated for each row; a failing row is quarantined (error) or counted (warn). */
export type RowRule =
  | NotNullRule
  | UniqueRule
  | AcceptedValuesRule
  | RangeRule
  | PatternRule
  | LengthRule
  | ConvertibleRule
  | RelationshipRule
  | ExpressionRule;

/** Rules evaluated once per table; an `error` failure fails the run. */
export type TableRule = RowCountRule | FreshnessRule;

export type Rule = RowRule | TableRule;

export type RuleType = Rule['type'];

export const ROW_RULE_TYPES: readonly RowRule['type'][] = [
  'not_null',
  'unique',
  'accepted_values',
  'range',
  'pattern',
  'length',
  'convertible',
  'relationship',
  'expression',
];

export const TABLE_RULE_TYPES: readonly TableRule['type'][] = ['row_count', 'freshness'];

/** All rules for one table, from one or several files. */
export interface TableRuleSet {
  table: string;
  /** The run fails, and nothing is published, when more than this share of rows is quarantined. */
  maxQuarantineRatio?: number;
  rules: Rule[];
  files: string[];
}

export function isTableRule(rule: Rule): rule is TableRule {
  return (TABLE_RULE_TYPES as readonly string[]).includes(rule.type);
}
