/**
 * Walks the parse tree that DuckDB's json_serialize_sql returns (DuckDB 1.5) and lists what a
 * query reads in its FROM clauses. Table references are objects with a `type` and a `sample`
 * key. Expressions have a `class` key, and query nodes carry `modifiers` and a `cte_map`.
 */

/** Something a query reads: a named table, a table function, or another kind of FROM item. */
export interface TableReference {
  kind: 'table' | 'function' | 'other';
  name: string;
  /** True when the table name has a schema or catalog, such as `main.ORDERS`. */
  qualified: boolean;
  /** Byte offset in the SQL text, when DuckDB reports one. */
  offset: number | undefined;
}

/** FROM items that read nothing outside the query itself. */
const SELF_CONTAINED_TABLE_REFS = new Set(['JOIN', 'SUBQUERY', 'EXPRESSION_LIST', 'EMPTY']);

/** DuckDB's marker for "no position", the maximum unsigned 64-bit value. */
const NO_LOCATION = 18446744073709551615;

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function locationOf(node: JsonObject): number | undefined {
  const location = node.query_location;
  return typeof location === 'number' && location < NO_LOCATION ? location : undefined;
}

/**
 * Returns every table reference in the statement, except references to a CTE in scope. A CTE
 * is in scope inside the query node that defines it, including its own body, so recursive
 * CTEs count as CTEs.
 */
export function findTableReferences(statement: unknown): TableReference[] {
  const references: TableReference[] = [];
  visit(statement, new Set(), references);
  return references;
}

function visit(value: unknown, ctes: ReadonlySet<string>, references: TableReference[]): void {
  if (Array.isArray(value)) {
    for (const item of value) {
      visit(item, ctes, references);
    }
    return;
  }
  if (!isObject(value)) {
    return;
  }

  let scope = ctes;
  const cteMap = value.cte_map;
  if (isObject(cteMap) && Array.isArray(cteMap.map)) {
    const names = cteMap.map.filter(isObject).map((entry) => String(entry.key).toLowerCase());
    scope = new Set([...ctes, ...names]);
  }

  if (typeof value.type === 'string' && 'sample' in value && !('class' in value) && !('modifiers' in value)) {
    const reference = describeTableRef(value, scope);
    if (reference !== undefined) {
      references.push(reference);
    }
  }

  for (const child of Object.values(value)) {
    visit(child, scope, references);
  }
}

function describeTableRef(node: JsonObject, ctes: ReadonlySet<string>): TableReference | undefined {
  const type = node.type as string;
  const offset = locationOf(node);

  if (type === 'BASE_TABLE') {
    const name = String(node.table_name);
    const qualified = String(node.schema_name ?? '') !== '' || String(node.catalog_name ?? '') !== '';
    if (!qualified && ctes.has(name.toLowerCase())) {
      return undefined;
    }
    const fullName = [node.catalog_name, node.schema_name, name].filter((part) => typeof part === 'string' && part !== '').join('.');
    return { kind: 'table', name: fullName, qualified, offset };
  }
  if (type === 'TABLE_FUNCTION') {
    const call = isObject(node.function) ? node.function : {};
    return { kind: 'function', name: String(call.function_name ?? 'unknown'), qualified: false, offset: offset ?? locationOf(call) };
  }
  if (SELF_CONTAINED_TABLE_REFS.has(type)) {
    return undefined;
  }
  return { kind: 'other', name: type, qualified: false, offset };
}
