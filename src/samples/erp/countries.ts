import type { Random } from './random.js';

/**
 * A customer country of Müller Maschinenbau: its share of the customer base, legal forms,
 * cities, the format of its postal codes and VAT ids, and the currency its customers usually
 * pay in. VAT ids have the national layouts (DE + 9 digits, ATU + 8 digits, …), but check
 * digits are not computed, so the ids are plausible in form only.
 */
export interface Country {
  code: string;
  weight: number;
  legalForms: readonly string[];
  cities: readonly string[];
  /** Surnames or place names that start a company name. */
  nameStems: readonly string[];
  /** Trade words in the country's language, as in "Hoffmann Antriebstechnik GmbH". */
  tradeWords: readonly string[];
  streetWords: readonly string[];
  postalCode: (random: Random) => string;
  /** A valid VAT id, or undefined where customers have none (outside the EU VAT system). */
  vatId?: (random: Random) => string;
  currency: 'EUR' | 'USD' | 'CNY' | 'PLN';
  /** True for EU member states, where the VAT id is expected for reverse-charge invoices. */
  euMember: boolean;
}

const GERMAN_TRADES = ['Maschinenbau', 'Antriebstechnik', 'Werkzeugbau', 'Präzisionstechnik', 'Metallverarbeitung', 'Fahrzeugteile', 'Hydraulik', 'Blechbearbeitung', 'Gießerei', 'Zerspanungstechnik'];

export const COUNTRIES: readonly Country[] = [
  {
    code: 'DE',
    weight: 38,
    legalForms: ['GmbH', 'GmbH', 'GmbH', 'AG', 'KG', 'GmbH & Co. KG', 'GmbH & Co. KG', 'SE', 'e.K.'],
    cities: ['Stuttgart', 'München', 'Hamburg', 'Köln', 'Düsseldorf', 'Nürnberg', 'Chemnitz', 'Dortmund', 'Bielefeld', 'Augsburg', 'Ulm', 'Heilbronn', 'Reutlingen', 'Siegen', 'Zwickau'],
    nameStems: ['Hoffmann', 'Schäfer', 'Becker', 'Wagner', 'Krämer', 'Schulze', 'Lehmann', 'Köhler', 'Brenner', 'Voigt', 'Engelhardt', 'Faßbender', 'Großmann', 'Weißhaupt', 'Schwäbische'],
    tradeWords: GERMAN_TRADES,
    streetWords: ['Industriestraße', 'Hauptstraße', 'Gewerbering', 'Am Werkhof', 'Daimlerstraße', 'Robert-Bosch-Straße', 'Carl-Benz-Weg', 'Lindenallee'],
    postalCode: (random) => String(random.int(1067, 99998)).padStart(5, '0'),
    vatId: (random) => `DE${random.int(1, 9)}${random.digits(8)}`,
    currency: 'EUR',
    euMember: true,
  },
  {
    code: 'AT',
    weight: 7,
    legalForms: ['GmbH', 'GmbH', 'AG', 'KG', 'GmbH & Co KG'],
    cities: ['Wien', 'Linz', 'Graz', 'Salzburg', 'Steyr', 'Wels'],
    nameStems: ['Huber', 'Gruber', 'Pichler', 'Steiner', 'Moser', 'Hofbauer'],
    tradeWords: GERMAN_TRADES,
    streetWords: ['Industriezeile', 'Hauptplatz', 'Gewerbepark', 'Linzer Straße'],
    postalCode: (random) => String(random.int(1010, 9992)),
    vatId: (random) => `ATU${random.digits(8)}`,
    currency: 'EUR',
    euMember: true,
  },
  {
    code: 'CH',
    weight: 5,
    legalForms: ['AG', 'AG', 'GmbH', 'SA', 'Sàrl'],
    cities: ['Zürich', 'Basel', 'Winterthur', 'St. Gallen', 'Biel/Bienne', 'Genève'],
    nameStems: ['Meier', 'Keller', 'Brunner', 'Zürcher', 'Baumann', 'Dubois'],
    tradeWords: ['Maschinen', 'Präzision', 'Mechanik', 'Technik', 'Mécanique'],
    streetWords: ['Bahnhofstrasse', 'Industriestrasse', 'Rue de l’Industrie', 'Dorfstrasse'],
    postalCode: (random) => String(random.int(1000, 9658)),
    vatId: (random) => `CHE-${random.digits(3)}.${random.digits(3)}.${random.digits(3)} MWST`,
    currency: 'EUR',
    euMember: false,
  },
  {
    code: 'FR',
    weight: 8,
    legalForms: ['S.A.', 'S.A.S.', 'S.A.S.', 'SARL'],
    cities: ['Lyon', 'Paris', 'Toulouse', 'Lille', 'Grenoble', 'Strasbourg', 'Saint-Étienne'],
    nameStems: ['Dupont', 'Moreau', 'Lefèvre', 'Girard', 'Lyonnaise', 'Rhône-Alpes'],
    tradeWords: ['Mécanique', 'Usinage', 'Fonderie', 'Outillage', 'Industries'],
    streetWords: ['Rue de la République', 'Avenue Jean Jaurès', 'Zone Industrielle', 'Rue des Forges'],
    postalCode: (random) => String(random.int(1000, 95999)).padStart(5, '0'),
    vatId: (random) => `FR${random.digits(2)}${random.int(1, 9)}${random.digits(8)}`,
    currency: 'EUR',
    euMember: true,
  },
  {
    code: 'IT',
    weight: 8,
    legalForms: ['S.r.l.', 'S.r.l.', 'S.p.A.', 'S.n.c.'],
    cities: ['Milano', 'Torino', 'Bologna', 'Brescia', 'Bergamo', 'Vicenza', 'Modena'],
    nameStems: ['Rossi', 'Bianchi', 'Ferrari', 'Colombo', 'Esposito', 'Lombarda'],
    tradeWords: ['Officine Meccaniche', 'Meccanica', 'Utensileria', 'Automazione', 'Fonderia'],
    streetWords: ['Via Roma', 'Via dell’Industria', 'Viale Europa', 'Via Garibaldi'],
    postalCode: (random) => String(random.int(10, 98168)).padStart(5, '0'),
    vatId: (random) => `IT${random.digits(11)}`,
    currency: 'EUR',
    euMember: true,
  },
  {
    code: 'ES',
    weight: 4,
    legalForms: ['S.A.', 'S.L.', 'S.L.'],
    cities: ['Barcelona', 'Madrid', 'Bilbao', 'Valencia', 'Zaragoza', 'Vitoria-Gasteiz'],
    nameStems: ['García', 'Martínez', 'López', 'Ibérica', 'Vasca', 'Catalana'],
    tradeWords: ['Mecanizados', 'Industrias', 'Talleres', 'Maquinaria'],
    streetWords: ['Calle Mayor', 'Polígono Industrial', 'Avenida de la Constitución'],
    postalCode: (random) => String(random.int(1001, 52080)).padStart(5, '0'),
    vatId: (random) => `ES${random.pick(['A', 'B'])}${random.digits(8)}`,
    currency: 'EUR',
    euMember: true,
  },
  {
    code: 'NL',
    weight: 5,
    legalForms: ['B.V.', 'B.V.', 'N.V.'],
    cities: ['Eindhoven', 'Rotterdam', 'Utrecht', 'Enschede', 'Venlo'],
    nameStems: ['Van Dijk', 'De Vries', 'Jansen', 'Bakker', 'Visser', 'Brabantse'],
    tradeWords: ['Precisie', 'Machinefabriek', 'Techniek', 'Metaalbewerking'],
    streetWords: ['Industrieweg', 'Havenstraat', 'Kanaaldijk'],
    postalCode: (random) => `${random.int(1000, 9999)} ${String.fromCharCode(65 + random.int(0, 25), 65 + random.int(0, 25))}`,
    vatId: (random) => `NL${random.digits(9)}B${random.digits(2)}`,
    currency: 'EUR',
    euMember: true,
  },
  {
    code: 'BE',
    weight: 3,
    legalForms: ['NV', 'BV', 'SA', 'SRL'],
    cities: ['Antwerpen', 'Gent', 'Liège', 'Charleroi', 'Kortrijk'],
    nameStems: ['Peeters', 'Janssens', 'Maes', 'Dubois', 'Vlaamse'],
    tradeWords: ['Machinebouw', 'Constructie', 'Mécanique', 'Techniek'],
    streetWords: ['Nijverheidsstraat', 'Rue de l’Industrie', 'Kouter'],
    postalCode: (random) => String(random.int(1000, 9992)),
    vatId: (random) => `BE${random.int(0, 1)}${random.digits(9)}`,
    currency: 'EUR',
    euMember: true,
  },
  {
    code: 'PL',
    weight: 7,
    legalForms: ['Sp. z o.o.', 'Sp. z o.o.', 'S.A.', 'Sp.j.'],
    cities: ['Wrocław', 'Poznań', 'Kraków', 'Katowice', 'Łódź', 'Gliwice'],
    nameStems: ['Nowak', 'Kowalski', 'Wiśniewski', 'Zieliński', 'Śląskie', 'Wielkopolskie'],
    tradeWords: ['Zakłady Metalowe', 'Obróbka Metali', 'Narzędziownia', 'Technika'],
    streetWords: ['ul. Przemysłowa', 'ul. Fabryczna', 'ul. Długa', 'al. Jana Pawła II'],
    postalCode: (random) => `${random.digits(2)}-${random.digits(3)}`,
    vatId: (random) => `PL${random.int(1, 9)}${random.digits(9)}`,
    currency: 'PLN',
    euMember: true,
  },
  {
    code: 'CZ',
    weight: 4,
    legalForms: ['s.r.o.', 's.r.o.', 'a.s.'],
    cities: ['Brno', 'Plzeň', 'Ostrava', 'Mladá Boleslav', 'Zlín'],
    nameStems: ['Novák', 'Dvořák', 'Černý', 'Procházka', 'Moravské'],
    tradeWords: ['Strojírny', 'Kovovýroba', 'Nástrojárna', 'Technika'],
    streetWords: ['Průmyslová', 'Hlavní', 'Tovární'],
    postalCode: (random) => `${random.int(100, 799)} ${random.digits(2)}`,
    vatId: (random) => `CZ${random.digits(8)}`,
    currency: 'EUR',
    euMember: true,
  },
  {
    code: 'SE',
    weight: 2,
    legalForms: ['AB'],
    cities: ['Göteborg', 'Västerås', 'Jönköping', 'Sandviken'],
    nameStems: ['Andersson', 'Johansson', 'Lindqvist', 'Svenska'],
    tradeWords: ['Verkstad', 'Mekaniska', 'Industri'],
    streetWords: ['Industrivägen', 'Storgatan', 'Verkstadsgatan'],
    postalCode: (random) => `${random.int(100, 984)} ${random.digits(2)}`,
    vatId: (random) => `SE${random.digits(10)}01`,
    currency: 'EUR',
    euMember: true,
  },
  {
    code: 'GB',
    weight: 3,
    legalForms: ['Ltd', 'Ltd', 'PLC'],
    cities: ['Birmingham', 'Manchester', 'Sheffield', 'Coventry', 'Leeds'],
    nameStems: ['Smith', 'Taylor', 'Midlands', 'Northern', 'Whitworth'],
    tradeWords: ['Engineering', 'Precision', 'Tooling', 'Castings'],
    streetWords: ['Station Road', 'Mill Lane', 'Industrial Estate'],
    postalCode: (random) => `${random.pick(['B', 'M', 'S', 'CV', 'LS'])}${random.int(1, 40)} ${random.int(1, 9)}${String.fromCharCode(65 + random.int(0, 25), 65 + random.int(0, 25))}`,
    vatId: (random) => `GB${random.digits(9)}`,
    currency: 'EUR',
    euMember: false,
  },
  {
    code: 'US',
    weight: 4,
    legalForms: ['Inc.', 'LLC', 'Corp.'],
    cities: ['Charlotte', 'Chicago', 'Detroit', 'Cleveland', 'Milwaukee', 'Greenville'],
    nameStems: ['Carolina', 'Great Lakes', 'Midwest', 'Johnson', 'Anderson'],
    tradeWords: ['Machining', 'Manufacturing', 'Tool & Die', 'Industries'],
    streetWords: ['Industrial Blvd', 'Commerce Drive', 'Main Street'],
    postalCode: (random) => String(random.int(10001, 99950)),
    currency: 'USD',
    euMember: false,
  },
  {
    code: 'CN',
    weight: 2,
    legalForms: ['Co., Ltd.'],
    cities: ['Shanghai', 'Suzhou', 'Shenzhen', 'Taicang', 'Ningbo'],
    nameStems: ['Suzhou', 'Jiangsu', 'Zhejiang', 'Shanghai', 'Ningbo'],
    tradeWords: ['Precision Machinery', 'Auto Parts', 'Industrial Equipment', 'Mould'],
    streetWords: ['Industrial Park Road', 'Development Zone'],
    postalCode: (random) => `${random.int(100, 850)}${random.digits(3)}`,
    currency: 'CNY',
    euMember: false,
  },
];

export const EU_COUNTRY_CODES: readonly string[] = COUNTRIES.filter((country) => country.euMember).map((country) => country.code);
