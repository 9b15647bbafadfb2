import type { ErpTableName } from './tables.js';

/**
 * Every defect the generator can place, with the table it lives in and the rule of
 * examples/mueller-erp/rules that finds it. A defect row carries exactly one defect, so it fails
 * exactly one `error` rule. A duplicated order number is the exception: it makes the copied row
 * and the original fail `order_no_unique`, and counts as two failing rows. `late_delivery` is no
 * placed defect but the count of rows that the warn rule flags, and these may carry a defect too.
 */
export const DEFECT_KINDS = {
  missing_order_no: { table: 'ORDERS', ruleId: 'order_no_present', severity: 'error' },
  duplicate_order_no: { table: 'ORDERS', ruleId: 'order_no_unique', severity: 'error' },
  missing_customer: { table: 'ORDERS', ruleId: 'customer_id_present', severity: 'error' },
  unknown_customer: { table: 'ORDERS', ruleId: 'customer_exists', severity: 'error' },
  unknown_plant: { table: 'ORDERS', ruleId: 'plant_known', severity: 'error' },
  missing_order_date: { table: 'ORDERS', ruleId: 'order_date_present', severity: 'error' },
  missing_currency: { table: 'ORDERS', ruleId: 'currency_present', severity: 'error' },
  unknown_currency: { table: 'ORDERS', ruleId: 'currency_known', severity: 'error' },
  unknown_status: { table: 'ORDERS', ruleId: 'status_known', severity: 'error' },
  negative_amount: { table: 'ORDERS', ruleId: 'net_amount_plausible', severity: 'error' },
  absurd_amount: { table: 'ORDERS', ruleId: 'net_amount_plausible', severity: 'error' },
  delivery_before_order: { table: 'ORDERS', ruleId: 'delivery_not_before_order', severity: 'error' },
  unconvertible_order_date_txt: { table: 'ORDERS', ruleId: 'order_date_text_convertible', severity: 'error' },
  unconvertible_amount_txt: { table: 'ORDERS', ruleId: 'amount_text_convertible', severity: 'error' },
  late_delivery: { table: 'ORDERS', ruleId: 'delivered_within_30_days_of_request', severity: 'warn' },
  test_customer: { table: 'CUSTOMERS', ruleId: 'not_a_test_customer', severity: 'error' },
  invalid_vat_id: { table: 'CUSTOMERS', ruleId: 'vat_id_format', severity: 'error' },
  missing_vat_id: { table: 'CUSTOMERS', ruleId: 'vat_id_present_in_eu', severity: 'warn' },
  missing_list_price: { table: 'ARTICLES', ruleId: 'list_price_present', severity: 'error' },
  unknown_article: { table: 'ORDER_ITEMS', ruleId: 'item_article_exists', severity: 'error' },
  quantity_not_positive: { table: 'ORDER_ITEMS', ruleId: 'quantity_positive', severity: 'error' },
  invoice_unknown_order: { table: 'INVOICES', ruleId: 'invoice_order_exists', severity: 'error' },
  due_before_invoice: { table: 'INVOICES', ruleId: 'due_not_before_invoice', severity: 'error' },
} as const satisfies Record<string, { table: ErpTableName; ruleId: string; severity: 'error' | 'warn' }>;

export type DefectKind = keyof typeof DEFECT_KINDS;

export type OrderDefectKind =
  | 'missing_order_no'
  | 'duplicate_order_no'
  | 'missing_customer'
  | 'unknown_customer'
  | 'unknown_plant'
  | 'missing_order_date'
  | 'missing_currency'
  | 'unknown_currency'
  | 'unknown_status'
  | 'negative_amount'
  | 'absurd_amount'
  | 'delivery_before_order'
  | 'unconvertible_order_date_txt'
  | 'unconvertible_amount_txt';

/**
 * Shares of the ORDERS defect rows by kind, apart from the unconvertible texts, whose number is
 * fixed. A duplicated order number's share counts both failing rows of a pair.
 */
export const ORDER_DEFECT_SHARES: readonly (readonly [OrderDefectKind, number])[] = [
  ['missing_order_no', 0.04],
  ['duplicate_order_no', 0.1],
  ['missing_customer', 0.07],
  ['unknown_customer', 0.14],
  ['unknown_plant', 0.03],
  ['missing_order_date', 0.05],
  ['missing_currency', 0.05],
  ['unknown_currency', 0.04],
  ['unknown_status', 0.12],
  ['negative_amount', 0.09],
  ['absurd_amount', 0.05],
  ['delivery_before_order', 0.22],
];

/** Counts a generator pass places or observes, by kind. */
export type DefectTally = Partial<Record<DefectKind, number>>;

export function countDefect(tally: DefectTally, kind: DefectKind, rows = 1): void {
  tally[kind] = (tally[kind] ?? 0) + rows;
}
