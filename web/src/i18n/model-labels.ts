import { currentLanguage, type Language } from './language.js';

type Labels = Readonly<Record<string, Readonly<Record<Language, string>>>>;

/**
 * Short titles of the example models and their columns. The API describes each model and
 * measure in full sentences; these are the card and column headings. A name that is missing
 * here is shown as it is, so a new model works without a change to the dashboard.
 */
const MODEL_TITLES: Labels = {
  order_intake: { de: 'Auftragseingang', en: 'Order intake' },
  revenue: { de: 'Umsatz', en: 'Revenue' },
  order_backlog: { de: 'Auftragsbestand', en: 'Order backlog' },
  book_to_bill: { de: 'Book-to-Bill', en: 'Book-to-bill' },
  on_time_delivery: { de: 'Liefertreue', en: 'On-time delivery' },
  average_order_value: { de: 'Durchschnittlicher Auftragswert', en: 'Average order value' },
  sales_by_region_month: { de: 'Umsatz nach Region und Monat', en: 'Sales by region and month' },
};

const COLUMN_TITLES: Labels = {
  MONTH: { de: 'Monat', en: 'Month' },
  PLANT_ID: { de: 'Werk', en: 'Plant' },
  PRODUCT_GROUP: { de: 'Produktgruppe', en: 'Product group' },
  CUSTOMER_ID: { de: 'Kunde', en: 'Customer' },
  CURRENCY: { de: 'Währung', en: 'Currency' },
  REGION: { de: 'Region', en: 'Region' },
  CATEGORY: { de: 'Kategorie', en: 'Category' },
  ORDER_INTAKE: { de: 'Auftragseingang', en: 'Order intake' },
  ORDER_INTAKE_EUR: { de: 'Auftragseingang (EUR)', en: 'Order intake (EUR)' },
  ORDERS: { de: 'Aufträge', en: 'Orders' },
  REVENUE: { de: 'Umsatz', en: 'Revenue' },
  REVENUE_EUR: { de: 'Umsatz (EUR)', en: 'Revenue (EUR)' },
  INVOICES: { de: 'Rechnungen', en: 'Invoices' },
  OPEN_ORDERS: { de: 'Offene Aufträge', en: 'Open orders' },
  BACKLOG_EUR: { de: 'Auftragsbestand (EUR)', en: 'Backlog (EUR)' },
  BOOK_TO_BILL: { de: 'Book-to-Bill', en: 'Book-to-bill' },
  DELIVERED_ORDERS: { de: 'Gelieferte Aufträge', en: 'Delivered orders' },
  ON_TIME_ORDERS: { de: 'Pünktlich geliefert', en: 'Delivered on time' },
  ON_TIME_SHARE: { de: 'Liefertreue', en: 'On-time share' },
  AVERAGE_ORDER_VALUE_EUR: { de: 'Ø Auftragswert (EUR)', en: 'Avg. order value (EUR)' },
  SALES: { de: 'Umsatz', en: 'Sales' },
  PROFIT: { de: 'Gewinn', en: 'Profit' },
  MARGIN: { de: 'Marge', en: 'Margin' },
  ORDER_ID: { de: 'Auftrag', en: 'Order' },
  ORDER_NO: { de: 'Auftragsnummer', en: 'Order number' },
  ORDER_DATE: { de: 'Auftragsdatum', en: 'Order date' },
  STATUS: { de: 'Status', en: 'Status' },
  NET_AMOUNT: { de: 'Nettobetrag', en: 'Net amount' },
  REQUESTED_DELIVERY: { de: 'Wunschtermin', en: 'Requested delivery' },
  ACTUAL_DELIVERY: { de: 'Lieferdatum', en: 'Delivery date' },
  UPDATED_AT: { de: 'Geändert', en: 'Updated' },
};

export function modelTitle(name: string): string {
  return MODEL_TITLES[name]?.[currentLanguage()] ?? name;
}

export function columnTitle(name: string): string {
  return COLUMN_TITLES[name]?.[currentLanguage()] ?? name;
}
