import { dayNumber, weekdayOf, yearOf } from './calendar.js';
import { customerAt, KEY_ACCOUNTS, MACHINE_LAST, PLANTS, pickCustomerId, SPARE_PART_LAST, STREAM, type Article, type Customer } from './master-data.js';
import type { ErpPlan } from './plan.js';
import { deriveSeed, Random } from './random.js';

export const FIRST_ORDER_DAY = dayNumber(2015, 1, 2);
export const LAST_ORDER_DAY = dayNumber(2024, 12, 20);
/** The day the legacy system was frozen for the migration. Order status and payments are as of this day. */
export const EXTRACT_DAY = dayNumber(2025, 1, 10);

export type Currency = 'EUR' | 'USD' | 'CNY' | 'PLN';
/** Fixed list-price conversion rates of the legacy price tables (units per EUR). */
const PRICE_FACTORS: Record<Currency, number> = { EUR: 1, USD: 1.08, CNY: 7.8, PLN: 4.3 };

/**
 * Legacy status codes: ER erfasst (entered), FR freigegeben (released), TL teilgeliefert (partly
 * delivered), GL geliefert (delivered), FA fakturiert (invoiced), AB abgeschlossen (closed, paid),
 * ST storniert (cancelled).
 */
export const STATUS_CODES = ['ER', 'FR', 'TL', 'GL', 'FA', 'AB', 'ST'] as const;
export type StatusCode = (typeof STATUS_CODES)[number];
export const INCOTERMS = ['EXW', 'FCA', 'CPT', 'CIP', 'DAP', 'DPU', 'DDP', 'FOB', 'CIF'] as const;
export const CURRENCIES: readonly Currency[] = ['EUR', 'USD', 'CNY', 'PLN'];

export interface OrderItem {
  position: number;
  article: Article;
  quantity: number;
  unitPriceCents: number;
  discountBasisPoints: number;
  lineCents: number;
}

/** One order as the business recorded it, before any defect is applied. */
export interface Order {
  orderId: number;
  orderNo: string;
  customer: Customer;
  plantId: number;
  orderDay: number;
  requestedDay: number;
  actualDay: number | null;
  status: StatusCode;
  incoterm: string;
  currency: Currency;
  netCents: number;
  items: OrderItem[];
  customerPo: string | null;
  createdBy: string;
  createdSecond: number;
  updatedDay: number;
  updatedSecond: number;
  germanDateText: boolean;
  amountTextFormat: AmountTextFormat;
}

export type AmountTextFormat = 'de' | 'en' | 'plain' | 'de-ungrouped';

/**
 * Relative order intake per month: slow in August (works holidays) and December, strong at the
 * end of quarters when customers spend their budgets.
 */
const MONTH_WEIGHTS = [0.85, 0.95, 1.2, 1.0, 1.0, 1.15, 0.95, 0.6, 1.05, 1.1, 1.2, 0.75];

function dayWeight(day: number): number {
  const weekday = weekdayOf(day);
  if (weekday === 0 || weekday === 6) {
    // EDI orders arrive on weekends too, but few.
    return 0.04;
  }
  const date = new Date(day * 86_400_000);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  let weight = (MONTH_WEIGHTS[month] ?? 1) * (1 + 0.06 * (year - 2015));
  if (year === 2020 && month >= 3 && month <= 6) {
    weight *= 0.55;
  }
  return weight;
}

/**
 * The cumulative share of orders up to each day, so that order i falls on the day where the
 * share passes (i + 0.5) / count. Order ids then rise with the order date, as in the old
 * system's sequence. One float per day (about 3,650), independent of the scale.
 */
export class OrderCalendar {
  private readonly cumulative: Float64Array;

  constructor() {
    const days = LAST_ORDER_DAY - FIRST_ORDER_DAY + 1;
    this.cumulative = new Float64Array(days);
    let total = 0;
    for (let offset = 0; offset < days; offset += 1) {
      total += dayWeight(FIRST_ORDER_DAY + offset);
      this.cumulative[offset] = total;
    }
    for (let offset = 0; offset < days; offset += 1) {
      this.cumulative[offset] = (this.cumulative[offset] ?? 0) / total;
    }
  }

  dayOf(index: number, count: number): number {
    const share = (index + 0.5) / count;
    let low = 0;
    let high = this.cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.cumulative[middle] ?? 1) < share) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return FIRST_ORDER_DAY + low;
  }
}

const CLERKS = ['MUELLER_K', 'SCHMIDT_A', 'WEBER_M', 'FISCHER_S', 'BAUER_J', 'EDI_BATCH', 'IMPORT_1998'];

/** Builds order `index` (0-based) from the seed alone. ORDERS, ORDER_ITEMS and INVOICES each call it for every order. */
export function orderAt(plan: ErpPlan, calendar: OrderCalendar, articles: readonly Article[], index: number): Order {
  const random = new Random(deriveSeed(plan.seed, STREAM.orders, index));
  const orderId = index + 1;
  const orderDay = calendar.dayOf(index, plan.orderCount);
  const customer = customerAt(plan.seed, pickCustomerId(random, plan.regularCustomerCount));
  const country = customer.country.code;

  const currency: Currency = random.chance(0.85) ? customer.country.currency : random.chance(0.8) ? 'EUR' : 'USD';
  const plantId = pickPlant(random, country);
  const overseas = country === 'US' || country === 'CN';
  const incoterm = overseas ? random.pick(['FOB', 'CIF', 'CIP', 'DAP', 'EXW']) : random.pick(['EXW', 'EXW', 'FCA', 'CPT', 'DAP', 'DAP', 'DPU', 'DDP']);

  const kind = random.pickWeighted([
    ['machine', 6],
    ['spare', 70],
    ['service', 24],
  ] as const);
  const items = buildItems(random, articles, kind, currency, customer.id <= KEY_ACCOUNTS);
  const netCents = items.reduce((sum, item) => sum + item.lineCents, 0);

  const leadDays = kind === 'machine' ? random.int(90, 240) : kind === 'spare' ? random.int(2, 21) : random.int(5, 45);
  const requestedDay = orderDay + leadDays;
  const lateness = random.pickWeighted([
    [random.int(-5, 7), 70],
    [random.int(8, 30), 20],
    [random.int(31, 90), 10],
  ] as const);
  const deliveryDay = Math.max(orderDay, requestedDay + lateness);

  let status: StatusCode;
  let actualDay: number | null = null;
  if (random.chance(0.03)) {
    status = 'ST';
  } else if (deliveryDay <= EXTRACT_DAY) {
    actualDay = deliveryDay;
    const age = EXTRACT_DAY - deliveryDay;
    if (age <= 60) {
      status = random.pick(['TL', 'GL', 'GL', 'FA']);
    } else {
      status = random.chance(0.9) ? 'AB' : 'FA';
    }
  } else {
    status = EXTRACT_DAY - orderDay < 7 ? 'ER' : 'FR';
  }

  const createdSecond = random.int(7 * 3600, 17 * 3600 + 3599);
  const updatedDay = Math.min(EXTRACT_DAY, actualDay ?? orderDay);
  const updatedSecond = random.int(18 * 3600, 22 * 3600 + 3599);

  return {
    orderId,
    orderNo: `MM-${yearOf(orderDay)}-${String(orderId).padStart(8, '0')}`,
    customer,
    plantId,
    orderDay,
    requestedDay,
    actualDay,
    status,
    incoterm,
    currency,
    netCents,
    items,
    customerPo: random.chance(0.2) ? null : random.pick(['PO-', 'BE', '4500', '']) + random.digits(6),
    createdBy: random.pick(CLERKS),
    createdSecond,
    updatedDay,
    updatedSecond,
    germanDateText: random.chance(0.6),
    amountTextFormat: random.pickWeighted([
      ['de', 45],
      ['en', 25],
      ['plain', 15],
      ['de-ungrouped', 15],
    ] as const),
  };
}

function pickPlant(random: Random, country: string): number {
  if (country === 'CN' && random.chance(0.8)) {
    return 4;
  }
  if (country === 'US' && random.chance(0.8)) {
    return 5;
  }
  if (country === 'PL' && random.chance(0.5)) {
    return 3;
  }
  return random.pickWeighted(PLANTS.map((plant) => [plant.id, plant.weight] as const));
}

function buildItems(random: Random, articles: readonly Article[], kind: 'machine' | 'spare' | 'service', currency: Currency, keyAccount: boolean): OrderItem[] {
  const picks: Article[] = [];
  const pickArticle = (first: number, last: number): Article => {
    const article = articles[random.int(first, last) - 1];
    if (article === undefined) {
      throw new RangeError(`article id outside 1 to ${articles.length}`);
    }
    return article;
  };
  const spareOrService = (): Article => (random.chance(0.7) ? pickArticle(MACHINE_LAST + 1, SPARE_PART_LAST) : pickArticle(SPARE_PART_LAST + 1, articles.length));

  if (kind === 'machine') {
    picks.push(pickArticle(1, MACHINE_LAST));
    for (let extra = random.int(1, 5); extra > 0; extra -= 1) {
      picks.push(spareOrService());
    }
  } else if (kind === 'spare') {
    for (let count = random.int(1, 7); count > 0; count -= 1) {
      picks.push(pickArticle(MACHINE_LAST + 1, SPARE_PART_LAST));
    }
  } else {
    for (let count = random.int(1, 3); count > 0; count -= 1) {
      picks.push(pickArticle(SPARE_PART_LAST + 1, articles.length));
    }
    for (let count = random.int(0, 3); count > 0; count -= 1) {
      picks.push(pickArticle(MACHINE_LAST + 1, SPARE_PART_LAST));
    }
  }

  return picks.map((article, index) => {
    const quantity = quantityOf(random, article);
    const unitPriceCents = Math.round(article.listPriceCents * PRICE_FACTORS[currency]);
    const discountBasisPoints = keyAccount ? random.int(8, 15) * 100 : random.pick([0, 0, 0, 200, 300, 500, 1000]);
    const lineCents = Math.round((quantity * unitPriceCents * (10_000 - discountBasisPoints)) / 10_000);
    return { position: (index + 1) * 10, article, quantity, unitPriceCents, discountBasisPoints, lineCents };
  });
}

/**
 * Machines come one at a time (rarely two), services in hours. Cheap spare parts are ordered in
 * bulk, but parts above 1,000 EUR at most five at a time, which keeps every clean order below
 * the 50 million limit of the NET_AMOUNT rule even in CNY.
 */
function quantityOf(random: Random, article: Article): number {
  if (article.type === 'MASCHINE') {
    return random.chance(0.05) ? 2 : 1;
  }
  if (article.type === 'DIENSTLEISTUNG') {
    return random.int(2, 40);
  }
  if (article.listPriceCents > 100_000) {
    return random.int(1, 5);
  }
  return random.pickWeighted([
    [1, 40],
    [2, 20],
    [random.int(3, 5), 20],
    [random.int(6, 20), 15],
    [random.int(21, 100), 5],
  ] as const);
}
