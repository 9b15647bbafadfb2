import { AuroraError } from '../../errors/aurora-error.js';
import { ORDER_DEFECT_SHARES, type OrderDefectKind } from './defect-kinds.js';
import { ARTICLE_COUNT, customerCount } from './master-data.js';

/** ORDERS rows at scale 1.0, the size of the legacy table that this sample imitates. */
export const ORDERS_AT_SCALE_ONE = 2_147_832;
/** ORDERS rows whose text date or amount converts in no accepted format, at scale 1.0 and the default defect rate. */
export const UNCONVERTIBLE_AT_SCALE_ONE = 42;
export const DEFAULT_SEED = 42;
/** About this share of the ORDERS rows fails at least one `error` rule. */
export const DEFAULT_DEFECT_RATE = 0.028;
/** Below this scale ORDERS would have fewer than about 1,000 rows, too few to hold every defect kind. */
export const MIN_SCALE = 0.0005;
/** ORDER_NO has eight digits for the sequence and ORDER_ID is a 32-bit integer, and scale 10 keeps both far from their limits. */
export const MAX_SCALE = 10;
/** Each defect row needs a clean row before it (see DefectPlan), so at most about half the rows can be defects. */
export const MAX_DEFECT_RATE = 0.4;

export interface ErpSampleOptions {
  /** 1.0 gives 2,147,832 ORDERS rows, and the other tables grow with it. */
  scale: number;
  seed?: number;
  /** Share of ORDERS rows that fail at least one `error` rule, 0 to 0.4. */
  defectRate?: number;
  /** Replace existing ERP tables instead of rejecting the load. */
  replace?: boolean;
  /** JSON file for the manifest. Missing parent folders are created. */
  manifest?: string;
  /** Called after each table is loaded. */
  onTableLoaded?: (table: string, rows: number, durationMs: number) => void;
}

/** Everything the generators need to know before the first row: sizes and defect counts. */
export interface ErpPlan {
  seed: number;
  scale: number;
  defectRate: number;
  orderCount: number;
  customerCount: number;
  /** Test customers take the highest ids and place no orders. */
  testCustomerCount: number;
  regularCustomerCount: number;
  /** Defect slots in ORDERS. For duplicate_order_no one slot is one pair of rows. */
  orderDefects: Map<OrderDefectKind, number>;
  customerDefects: Map<'invalid_vat_id' | 'missing_vat_id', number>;
  articleDefects: Map<'missing_list_price', number>;
  /** Planned per order; each hits the order's first item. */
  itemDefects: Map<'unknown_article' | 'quantity_not_positive', number>;
  /** Planned per order. Only orders that have an invoice get one, so fewer may be placed. */
  invoiceDefects: Map<'invoice_unknown_order' | 'due_before_invoice', number>;
}

function invalidOption(option: string, value: unknown, expected: { de: string; en: string }): AuroraError {
  return new AuroraError('SAMPLE_OPTION_INVALID', { option, value: String(value), expected });
}

/** Option values as the command line passes them, still text. */
export interface ErpOptionText {
  scale: string;
  seed?: string;
  defectRate?: string;
}

const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Converts command-line text to numbers. Rejects text that is not a plain number (`abc`, `1,5`,
 * empty) with SAMPLE_OPTION_INVALID naming the text as typed. Ranges are checked by planErpSample.
 */
export function parseErpOptionText(text: ErpOptionText): Pick<ErpSampleOptions, 'scale' | 'seed' | 'defectRate'> {
  const parse = (option: string, value: string, expected: { de: string; en: string }): number => {
    if (!NUMBER_TEXT.test(value.trim())) {
      throw invalidOption(option, JSON.stringify(value), expected);
    }
    return Number(value);
  };
  return {
    scale: parse('--scale', text.scale, SCALE_EXPECTED),
    ...(text.seed === undefined ? {} : { seed: parse('--seed', text.seed, SEED_EXPECTED) }),
    ...(text.defectRate === undefined ? {} : { defectRate: parse('--defect-rate', text.defectRate, DEFECT_RATE_EXPECTED) }),
  };
}

const SCALE_EXPECTED = {
  de: `eine Zahl von ${MIN_SCALE} bis ${MAX_SCALE} (1 ergibt ${ORDERS_AT_SCALE_ONE} Aufträge)`,
  en: `a number from ${MIN_SCALE} to ${MAX_SCALE} (1 gives ${ORDERS_AT_SCALE_ONE} orders)`,
};
const SEED_EXPECTED = { de: 'eine ganze Zahl von 0 bis 4294967295', en: 'a whole number from 0 to 4294967295' };
const DEFECT_RATE_EXPECTED = {
  de: `ein Anteil von 0 bis ${MAX_DEFECT_RATE} (Standard ${DEFAULT_DEFECT_RATE})`,
  en: `a ratio from 0 to ${MAX_DEFECT_RATE} (default ${DEFAULT_DEFECT_RATE})`,
};

/** Checks the options and computes the sizes and defect counts. Rejects with SAMPLE_OPTION_INVALID. */
export function planErpSample(options: ErpSampleOptions): ErpPlan {
  const { scale } = options;
  const seed = options.seed ?? DEFAULT_SEED;
  const defectRate = options.defectRate ?? DEFAULT_DEFECT_RATE;

  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale < MIN_SCALE || scale > MAX_SCALE) {
    throw invalidOption('--scale', scale, SCALE_EXPECTED);
  }
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    throw invalidOption('--seed', seed, SEED_EXPECTED);
  }
  if (typeof defectRate !== 'number' || !Number.isFinite(defectRate) || defectRate < 0 || defectRate > MAX_DEFECT_RATE) {
    throw invalidOption('--defect-rate', defectRate, DEFECT_RATE_EXPECTED);
  }

  const orderCount = Math.round(ORDERS_AT_SCALE_ONE * scale);
  const customers = customerCount(scale);
  const testCustomerCount = defectRate > 0 ? Math.max(1, Math.round(customers * defectRate * 0.15)) : 0;
  const regularCustomerCount = customers - testCustomerCount;

  return {
    seed,
    scale,
    defectRate,
    orderCount,
    customerCount: customers,
    testCustomerCount,
    regularCustomerCount,
    orderDefects: planOrderDefects(orderCount, scale, defectRate),
    customerDefects: new Map([
      ['invalid_vat_id', Math.round(regularCustomerCount * defectRate * 0.5)],
      ['missing_vat_id', Math.round(regularCustomerCount * defectRate * 0.5)],
    ]),
    articleDefects: new Map([['missing_list_price', defectRate > 0 ? Math.max(1, Math.round(ARTICLE_COUNT * defectRate * 0.1)) : 0]]),
    itemDefects: new Map([
      ['unknown_article', Math.round(orderCount * defectRate * 0.1)],
      ['quantity_not_positive', Math.round(orderCount * defectRate * 0.1)],
    ]),
    invoiceDefects: new Map([
      ['invoice_unknown_order', Math.round(orderCount * defectRate * 0.05)],
      ['due_before_invoice', Math.round(orderCount * defectRate * 0.05)],
    ]),
  };
}

/**
 * Splits round(orders × rate) failing rows among the kinds. The unconvertible texts are fixed
 * first: 42 at scale 1.0 and the default rate, proportional to scale and rate, at least 1 when
 * the rate is above 0. Half of them (rounded up) are dates, the rest amounts.
 */
function planOrderDefects(orderCount: number, scale: number, defectRate: number): Map<OrderDefectKind, number> {
  const unconvertible =
    defectRate > 0 ? Math.max(1, Math.round(UNCONVERTIBLE_AT_SCALE_ONE * scale * (defectRate / DEFAULT_DEFECT_RATE))) : 0;
  const remaining = Math.max(0, Math.round(orderCount * defectRate) - unconvertible);

  const counts = new Map<OrderDefectKind, number>();
  for (const [kind, share] of ORDER_DEFECT_SHARES) {
    const rows = remaining * share;
    counts.set(kind, Math.round(kind === 'duplicate_order_no' ? rows / 2 : rows));
  }
  counts.set('unconvertible_order_date_txt', Math.ceil(unconvertible / 2));
  counts.set('unconvertible_amount_txt', Math.floor(unconvertible / 2));
  return counts;
}
