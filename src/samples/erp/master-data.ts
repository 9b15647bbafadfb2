import { COUNTRIES, type Country } from './countries.js';
import { dayNumber } from './calendar.js';
import { deriveSeed, Random } from './random.js';

/** Generator streams: each table draws from its own derived seeds, so tables do not interact. */
export const STREAM = {
  customers: 1,
  articles: 2,
  orders: 3,
  orderDefects: 4,
  customerDefects: 5,
  articleDefects: 6,
  itemDefects: 7,
  invoiceDefects: 8,
} as const;

export interface Plant {
  id: number;
  code: string;
  name: string;
  city: string;
  countryCode: string;
  /** Share of the orders that the plant ships. */
  weight: number;
}

export const PLANTS: readonly Plant[] = [
  { id: 1, code: 'DE01', name: 'Stammwerk Esslingen', city: 'Esslingen am Neckar', countryCode: 'DE', weight: 52 },
  { id: 2, code: 'DE02', name: 'Werk Chemnitz', city: 'Chemnitz', countryCode: 'DE', weight: 21 },
  { id: 3, code: 'PL01', name: 'Zakład Wrocław', city: 'Wrocław', countryCode: 'PL', weight: 12 },
  { id: 4, code: 'CN01', name: 'Taicang Plant', city: 'Taicang', countryCode: 'CN', weight: 9 },
  { id: 5, code: 'US01', name: 'Charlotte Service Center', city: 'Charlotte', countryCode: 'US', weight: 6 },
];

/** Customers per unit of scale, and the floor that keeps small samples varied. */
const CUSTOMERS_PER_SCALE = 24_000;
const MIN_CUSTOMERS = 300;

/** Returns the number of customers, including the appended test customers. */
export function customerCount(scale: number): number {
  return Math.max(MIN_CUSTOMERS, Math.round(CUSTOMERS_PER_SCALE * scale));
}

export interface Customer {
  id: number;
  country: Country;
  name: string;
  legalForm: string;
  street: string;
  postalCode: string;
  city: string;
  vatId: string | null;
  paymentTermsDays: number;
  creditLimitCents: number;
  createdDay: number;
  blocked: boolean;
}

const FIRST_CUSTOMER_DAY = dayNumber(1994, 1, 3);
const LAST_CUSTOMER_DAY = dayNumber(2014, 12, 19);

/** Countries whose company names put the trade word first ("Officine Meccaniche Rossi S.r.l."). */
const TRADE_FIRST = new Set(['FR', 'IT', 'ES', 'PL', 'CZ']);

/** Builds customer `id` from the seed alone, so orders can look up a customer's country without a table in memory. */
export function customerAt(seed: number, id: number): Customer {
  const random = new Random(deriveSeed(seed, STREAM.customers, id));
  const country = random.pickWeighted(COUNTRIES.map((entry) => [entry, entry.weight] as const));
  const legalForm = random.pick(country.legalForms);
  const stem = random.pick(country.nameStems);
  const trade = random.pick(country.tradeWords);
  const name = TRADE_FIRST.has(country.code) ? `${trade} ${stem} ${legalForm}` : `${stem} ${trade} ${legalForm}`;
  const keyAccount = id <= KEY_ACCOUNTS;

  return {
    id,
    country,
    name,
    legalForm,
    street: `${random.pick(country.streetWords)} ${random.int(1, 180)}`,
    postalCode: country.postalCode(random),
    city: random.pick(country.cities),
    vatId: country.vatId ? country.vatId(random) : null,
    paymentTermsDays: keyAccount ? 90 : random.pick([14, 30, 30, 30, 60]),
    creditLimitCents: keyAccount ? 5_000_000_00 : random.int(10, 500) * 1000_00,
    createdDay: random.int(FIRST_CUSTOMER_DAY, LAST_CUSTOMER_DAY),
    blocked: random.chance(0.01),
  };
}

/** The largest customers (ids 1 … KEY_ACCOUNTS) place about a third of all orders. */
export const KEY_ACCOUNTS = 8;
const KEY_ACCOUNT_SHARE = 0.32;

/**
 * Picks the customer of an order among the regular customers 1 … regularCount: a third go to a
 * few key accounts, and the rest follow a power law, so low ids order far more often.
 */
export function pickCustomerId(random: Random, regularCount: number): number {
  if (random.chance(KEY_ACCOUNT_SHARE)) {
    return random.int(1, KEY_ACCOUNTS);
  }
  return 1 + Math.floor(regularCount * random.next() ** 2.5);
}

export const TEST_CUSTOMER_NAMES: readonly string[] = [
  'TEST Kunde',
  'Testkunde Schulung',
  'Dummy GmbH',
  'DUMMY Customer Ltd',
  'Test AG (nicht verwenden)',
  'ZZ Test Musterfirma',
];

export type ArticleType = 'MASCHINE' | 'ERSATZTEIL' | 'DIENSTLEISTUNG';

export interface Article {
  id: number;
  number: string;
  description: string;
  productGroup: string;
  type: ArticleType;
  unit: 'ST' | 'STD';
  listPriceCents: number;
  weightGrams: number | null;
  active: boolean;
}

export const ARTICLE_COUNT = 1_800;
/** Ids 1 … MACHINE_LAST are machines, then spare parts up to SPARE_PART_LAST, then services. */
export const MACHINE_LAST = 60;
export const SPARE_PART_LAST = 1_650;

const MACHINE_GROUPS = [
  ['DM', 'Drehmaschine', 'MDX'],
  ['FM', 'Fräsmaschine', 'MFV'],
  ['SM', 'Schleifmaschine', 'MSR'],
  ['BZ', 'Bearbeitungszentrum', 'MBZ'],
] as const;
const SPARE_PART_GROUPS = [
  ['ET-SP', ['Spindellager', 'Motorspindel', 'Spannzange', 'Kugelgewindetrieb']],
  ['ET-HY', ['Hydraulikpumpe', 'Wegeventil', 'Hydraulikzylinder', 'Druckspeicher']],
  ['ET-EL', ['Servomotor', 'Frequenzumrichter', 'Endschalter', 'Kabelsatz']],
  ['ET-ST', ['Steuerungsbaugruppe', 'Bedienpanel', 'Encoder', 'Netzteil']],
  ['ET-VS', ['Abstreifer', 'Dichtungssatz', 'Filterelement', 'Keilriemen', 'Führungsschuh']],
] as const;
const SERVICE_GROUPS = [
  ['SV-MO', 'Montage und Inbetriebnahme'],
  ['SV-WA', 'Wartung vor Ort'],
  ['SV-SC', 'Bedienerschulung'],
  ['SV-RE', 'Reparatur im Werk'],
] as const;

export const PRODUCT_GROUPS: readonly string[] = [
  ...MACHINE_GROUPS.map(([group]) => group),
  ...SPARE_PART_GROUPS.map(([group]) => group),
  ...SERVICE_GROUPS.map(([group]) => group),
];

/** Builds the fixed article catalogue (1,800 articles at every scale) from the seed. */
export function buildArticles(seed: number): Article[] {
  const articles: Article[] = [];
  for (let id = 1; id <= ARTICLE_COUNT; id += 1) {
    const random = new Random(deriveSeed(seed, STREAM.articles, id));
    if (id <= MACHINE_LAST) {
      const [group, noun, series] = random.pick(MACHINE_GROUPS);
      articles.push({
        id,
        number: `MA-${String(id).padStart(6, '0')}`,
        description: `${noun} ${series} ${random.pick([250, 320, 400, 500, 630, 800, 1000])}`,
        productGroup: group,
        type: 'MASCHINE',
        unit: 'ST',
        listPriceCents: random.int(85_000, 1_800_000) * 100,
        weightGrams: random.int(2_500, 38_000) * 1000,
        active: random.chance(0.85),
      });
    } else if (id <= SPARE_PART_LAST) {
      const [group, nouns] = random.pick(SPARE_PART_GROUPS);
      // Mostly cheap wear parts and some expensive assemblies: a log-uniform price from 4 to 25,000 EUR.
      const price = Math.round(Math.exp(Math.log(400) + random.next() * (Math.log(2_500_000) - Math.log(400))));
      articles.push({
        id,
        number: `ET-${String(id).padStart(6, '0')}`,
        description: `${random.pick(nouns)} ${random.pick(['A', 'B', 'C', 'D', 'HD', 'XL'])}-${random.int(10, 990)}`,
        productGroup: group,
        type: 'ERSATZTEIL',
        unit: 'ST',
        listPriceCents: price,
        weightGrams: random.int(20, 150_000),
        active: random.chance(0.93),
      });
    } else {
      const [group, description] = random.pick(SERVICE_GROUPS);
      articles.push({
        id,
        number: `DL-${String(id).padStart(6, '0')}`,
        description: `${description} (${random.pick(['Techniker', 'Meister', 'Ingenieur', 'Team'])})`,
        productGroup: group,
        type: 'DIENSTLEISTUNG',
        unit: 'STD',
        listPriceCents: random.int(85, 220) * 100,
        weightGrams: null,
        active: true,
      });
    }
  }
  return articles;
}
