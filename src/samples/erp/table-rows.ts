import type { SampleRow } from '../targets/sample-target.js';
import { germanDate, isoDate, timestampText } from './calendar.js';
import { EU_COUNTRY_CODES } from './countries.js';
import { DefectPlan } from './defect-plan.js';
import { countDefect, type DefectTally, type OrderDefectKind } from './defect-kinds.js';
import { customerAt, PLANTS, STREAM, TEST_CUSTOMER_NAMES, type Article } from './master-data.js';
import { EXTRACT_DAY, orderAt, OrderCalendar, type Order } from './order-model.js';
import type { ErpPlan } from './plan.js';
import { deriveSeed, Random } from './random.js';
import { amountText, decimalText, kilogramText, percentText } from './value-text.js';

/** Rows of a single ERP table, generated on demand, and what the generator placed in them. */
export interface TableRows {
  rows: AsyncIterable<SampleRow>;
  /** Defects placed or observed so far. Complete once `rows` is exhausted. */
  tally: DefectTally;
}

/** Text dates that no accepted format (`%d.%m.%Y`, `%Y-%m-%d`) reads: wrong separators, impossible days, words. */
const UNREADABLE_DATES = ['2019/12/31', '12/31/2019', '31-12-2019', '31.02.2019', '00.00.0000', 'unbekannt', 'Dez. 2019', '2019-13-01'];
/** Text amounts that neither the `de` nor the `en` number format reads. */
const UNREADABLE_AMOUNTS = ['1.234,56 EUR', 'ca. 500', '#WERT!', '1 234,56', 'EUR 99,00', 'n.v.', '12,34,5', '--'];
const UNKNOWN_STATUS_CODES = ['X', 'OK', '99', 'ab', 'FA ', 'GELIEFERT'];
const UNKNOWN_CURRENCIES = ['DEM', 'EURO', 'eur', 'ITL', 'CHF'];
/** NET_AMOUNT values far above the 50 million limit of the rule, typed with extra digits. */
const ABSURD_AMOUNT_CENTS = [99_999_999_999, 12_345_678_900, 55_555_555_555, 100_000_000_000];
const UNKNOWN_PLANT_ID = 9;

export function plantRows(): TableRows {
  async function* rows(): AsyncGenerator<SampleRow> {
    for (const plant of PLANTS) {
      yield [String(plant.id), plant.code, plant.name, plant.city, plant.countryCode];
    }
  }
  return { rows: rows(), tally: {} };
}

export function customerRows(plan: ErpPlan): TableRows {
  const tally: DefectTally = {};
  const defects = new DefectPlan(plan.regularCustomerCount, plan.customerDefects, deriveSeed(plan.seed, STREAM.customerDefects));

  async function* rows(): AsyncGenerator<SampleRow> {
    for (let id = 1; id <= plan.customerCount; id += 1) {
      const customer = customerAt(plan.seed, id);
      let name = customer.name;
      let countryCode = customer.country.code;
      let vatId = customer.vatId;

      if (id > plan.regularCustomerCount) {
        // Old test records: German, with a well-formed VAT id, so they fail only the test-customer rule.
        const testNumber = id - plan.regularCustomerCount;
        name = `${TEST_CUSTOMER_NAMES[(testNumber - 1) % TEST_CUSTOMER_NAMES.length]} ${testNumber}`;
        countryCode = 'DE';
        vatId = `DE${String(100_000_000 + testNumber).padStart(9, '0')}`;
        countDefect(tally, 'test_customer');
      } else {
        const kind = defects.kindAt(id - 1);
        if (kind === 'invalid_vat_id') {
          vatId = corruptVatId(new Random(deriveSeed(plan.seed, STREAM.customerDefects, 2, id)), vatId);
          countDefect(tally, 'invalid_vat_id');
        } else if (kind === 'missing_vat_id') {
          vatId = null;
          // The rule requires a VAT id only in EU countries, so elsewhere the row stays clean.
          if (EU_COUNTRY_CODES.includes(countryCode)) {
            countDefect(tally, 'missing_vat_id');
          }
        }
      }

      yield [
        String(id),
        `K${String(id).padStart(7, '0')}`,
        name,
        customer.legalForm,
        customer.street,
        customer.postalCode,
        customer.city,
        countryCode,
        vatId,
        String(customer.paymentTermsDays),
        decimalText(customer.creditLimitCents),
        customer.blocked ? 'J' : 'N',
        timestampText(customer.createdDay, 8 * 3600 + (id % 36_000)),
      ];
    }
  }
  return { rows: rows(), tally };
}

/** Breaks a VAT id the way typists did: spaces, lower case, a lost digit, a missing prefix. */
function corruptVatId(random: Random, vatId: string | null): string {
  if (vatId === null) {
    return random.pick(['unbekannt', 'n/a', '-']);
  }
  switch (random.int(0, 3)) {
    case 0:
      return `${vatId.slice(0, 2)} ${vatId.slice(2)}`;
    case 1:
      return vatId.toLowerCase();
    case 2:
      return vatId.slice(0, -1);
    default:
      return vatId.slice(2);
  }
}

export function articleRows(plan: ErpPlan, articles: readonly Article[]): TableRows {
  const tally: DefectTally = {};
  const defects = new DefectPlan(articles.length, plan.articleDefects, deriveSeed(plan.seed, STREAM.articleDefects));

  async function* rows(): AsyncGenerator<SampleRow> {
    for (const [index, article] of articles.entries()) {
      const missingPrice = defects.kindAt(index) === 'missing_list_price';
      if (missingPrice) {
        countDefect(tally, 'missing_list_price');
      }
      yield [
        String(article.id),
        article.number,
        article.description,
        article.productGroup,
        article.type,
        article.unit,
        missingPrice ? null : decimalText(article.listPriceCents),
        article.weightGrams === null ? null : kilogramText(article.weightGrams),
        article.active ? 'J' : 'N',
      ];
    }
  }
  return { rows: rows(), tally };
}

/** Walks all orders in id order. The calendar is shared so the three order tables agree on every date. */
function* eachOrder(plan: ErpPlan, articles: readonly Article[]): Generator<Order> {
  const calendar = new OrderCalendar();
  for (let index = 0; index < plan.orderCount; index += 1) {
    yield orderAt(plan, calendar, articles, index);
  }
}

export function orderRows(plan: ErpPlan, articles: readonly Article[]): TableRows {
  const tally: DefectTally = {};
  const defects = new DefectPlan<OrderDefectKind>(plan.orderCount, plan.orderDefects, deriveSeed(plan.seed, STREAM.orderDefects));

  async function* rows(): AsyncGenerator<SampleRow> {
    let previousOrderNo: string | null = null;
    for (const order of eachOrder(plan, articles)) {
      const index = order.orderId - 1;
      const row = orderRow(order);
      const kind = defects.kindAt(index);
      if (kind !== undefined) {
        applyOrderDefect(row, order, kind, previousOrderNo, new Random(deriveSeed(plan.seed, STREAM.orderDefects, 2, index)), plan);
        // The copied order number makes the original row fail the unique rule as well.
        countDefect(tally, kind, kind === 'duplicate_order_no' ? 2 : 1);
      }
      if (isLate(row)) {
        countDefect(tally, 'late_delivery');
      }
      previousOrderNo = order.orderNo;
      yield row;
    }
  }
  return { rows: rows(), tally };
}

const ORDER_COLUMN = {
  ORDER_NO: 1,
  CUSTOMER_ID: 2,
  PLANT_ID: 3,
  ORDER_DATE: 4,
  REQUESTED_DELIVERY: 5,
  ACTUAL_DELIVERY: 6,
  STATUS: 7,
  CURRENCY: 9,
  NET_AMOUNT: 10,
  ORDER_DATE_TXT: 11,
  AMOUNT_TXT: 12,
} as const;

function orderRow(order: Order): SampleRow {
  return [
    String(order.orderId),
    order.orderNo,
    String(order.customer.id),
    String(order.plantId),
    isoDate(order.orderDay),
    isoDate(order.requestedDay),
    order.actualDay === null ? null : isoDate(order.actualDay),
    order.status,
    order.incoterm,
    order.currency,
    decimalText(order.netCents),
    order.germanDateText ? germanDate(order.orderDay) : isoDate(order.orderDay),
    amountText(order.netCents, order.amountTextFormat),
    order.customerPo,
    order.createdBy,
    timestampText(order.orderDay, order.createdSecond),
    timestampText(order.updatedDay, order.updatedSecond),
  ];
}

function applyOrderDefect(row: SampleRow, order: Order, kind: OrderDefectKind, previousOrderNo: string | null, random: Random, plan: ErpPlan): void {
  switch (kind) {
    case 'missing_order_no':
      row[ORDER_COLUMN.ORDER_NO] = null;
      return;
    case 'duplicate_order_no':
      // DefectPlan keeps the row before a defect row clean, so previousOrderNo is that row's own number.
      row[ORDER_COLUMN.ORDER_NO] = previousOrderNo;
      return;
    case 'missing_customer':
      row[ORDER_COLUMN.CUSTOMER_ID] = null;
      return;
    case 'unknown_customer':
      row[ORDER_COLUMN.CUSTOMER_ID] = String(plan.customerCount + random.int(100_000, 899_999));
      return;
    case 'unknown_plant':
      row[ORDER_COLUMN.PLANT_ID] = String(UNKNOWN_PLANT_ID);
      return;
    case 'missing_order_date':
      row[ORDER_COLUMN.ORDER_DATE] = null;
      row[ORDER_COLUMN.ORDER_DATE_TXT] = null;
      return;
    case 'missing_currency':
      row[ORDER_COLUMN.CURRENCY] = null;
      return;
    case 'unknown_currency':
      row[ORDER_COLUMN.CURRENCY] = random.pick(UNKNOWN_CURRENCIES);
      return;
    case 'unknown_status':
      row[ORDER_COLUMN.STATUS] = random.pick(UNKNOWN_STATUS_CODES);
      return;
    case 'negative_amount':
      row[ORDER_COLUMN.NET_AMOUNT] = decimalText(-order.netCents);
      row[ORDER_COLUMN.AMOUNT_TXT] = amountText(-order.netCents, order.amountTextFormat);
      return;
    case 'absurd_amount': {
      const cents = random.pick(ABSURD_AMOUNT_CENTS);
      row[ORDER_COLUMN.NET_AMOUNT] = decimalText(cents);
      row[ORDER_COLUMN.AMOUNT_TXT] = amountText(cents, order.amountTextFormat);
      return;
    }
    case 'delivery_before_order':
      row[ORDER_COLUMN.ACTUAL_DELIVERY] = isoDate(order.orderDay - random.int(1, 30));
      row[ORDER_COLUMN.STATUS] = order.actualDay === null ? 'GL' : order.status;
      return;
    case 'unconvertible_order_date_txt':
      row[ORDER_COLUMN.ORDER_DATE_TXT] = random.pick(UNREADABLE_DATES);
      return;
    case 'unconvertible_amount_txt':
      row[ORDER_COLUMN.AMOUNT_TXT] = random.pick(UNREADABLE_AMOUNTS);
      return;
  }
}

/** Mirrors the warn rule delivered_within_30_days_of_request: ACTUAL_DELIVERY <= REQUESTED_DELIVERY + 30. */
function isLate(row: SampleRow): boolean {
  const actual = row[ORDER_COLUMN.ACTUAL_DELIVERY];
  const requested = row[ORDER_COLUMN.REQUESTED_DELIVERY];
  if (actual == null || requested == null) {
    return false;
  }
  return Date.parse(actual) > Date.parse(requested) + 30 * 86_400_000;
}

export function orderItemRows(plan: ErpPlan, articles: readonly Article[]): TableRows {
  const tally: DefectTally = {};
  const defects = new DefectPlan(plan.orderCount, plan.itemDefects, deriveSeed(plan.seed, STREAM.itemDefects));

  async function* rows(): AsyncGenerator<SampleRow> {
    for (const order of eachOrder(plan, articles)) {
      const index = order.orderId - 1;
      const kind = defects.kindAt(index);
      for (const item of order.items) {
        const row: SampleRow = [
          String(order.orderId),
          String(item.position),
          String(item.article.id),
          String(item.quantity),
          item.article.unit,
          decimalText(item.unitPriceCents),
          percentText(item.discountBasisPoints),
          decimalText(item.lineCents),
        ];
        if (kind !== undefined && item.position === 10) {
          const random = new Random(deriveSeed(plan.seed, STREAM.itemDefects, 2, index));
          if (kind === 'unknown_article') {
            row[2] = String(random.int(900_000, 999_999));
          } else {
            row[3] = random.pick(['0', '-1', '-2']);
          }
          countDefect(tally, kind);
        }
        yield row;
      }
    }
  }
  return { rows: rows(), tally };
}

/** Returns the dunning level: one reminder per two weeks overdue, at most three. */
function dunningLevelOf(overdueDays: number): number {
  if (overdueDays <= 14) {
    return 0;
  }
  return Math.min(3, Math.floor((overdueDays - 1) / 14));
}

/** VAT rate on German invoices. Deliveries abroad are tax-free (intra-EU reverse charge or export). */
const GERMAN_VAT_BASIS_POINTS = 1900;

export function invoiceRows(plan: ErpPlan, articles: readonly Article[]): TableRows {
  const tally: DefectTally = {};
  const defects = new DefectPlan(plan.orderCount, plan.invoiceDefects, deriveSeed(plan.seed, STREAM.invoiceDefects));

  async function* rows(): AsyncGenerator<SampleRow> {
    let invoiceId = 0;
    for (const order of eachOrder(plan, articles)) {
      const index = order.orderId - 1;
      const kind = defects.kindAt(index);
      if ((order.status !== 'FA' && order.status !== 'AB') || order.actualDay === null) {
        continue;
      }
      invoiceId += 1;
      const random = new Random(deriveSeed(plan.seed, STREAM.invoiceDefects, 3, index));
      const invoiceDay = Math.min(EXTRACT_DAY, order.actualDay + random.int(0, 3));
      let dueDay = invoiceDay + order.customer.paymentTermsDays;
      const paidDay = order.status === 'AB' ? Math.min(EXTRACT_DAY, dueDay + random.int(-12, 20)) : null;
      const overdueDays = paidDay === null ? EXTRACT_DAY - dueDay : 0;
      const dunningLevel = dunningLevelOf(overdueDays);
      const vatBasisPoints = order.customer.country.code === 'DE' ? GERMAN_VAT_BASIS_POINTS : 0;
      const taxCents = Math.round((order.netCents * vatBasisPoints) / 10_000);
      let orderId = String(order.orderId);

      if (kind === 'invoice_unknown_order') {
        orderId = String(plan.orderCount + random.int(1_000_000, 9_999_999));
        countDefect(tally, kind);
      } else if (kind === 'due_before_invoice') {
        dueDay = invoiceDay - random.int(1, 30);
        countDefect(tally, kind);
      }

      yield [
        String(invoiceId),
        `RE-${isoDate(invoiceDay).slice(0, 4)}-${String(invoiceId).padStart(8, '0')}`,
        orderId,
        String(order.customer.id),
        isoDate(invoiceDay),
        isoDate(dueDay),
        order.currency,
        decimalText(order.netCents),
        percentText(vatBasisPoints),
        decimalText(taxCents),
        decimalText(order.netCents + taxCents),
        paidDay === null ? null : isoDate(paidDay),
        String(dunningLevel),
      ];
    }
  }
  return { rows: rows(), tally };
}
