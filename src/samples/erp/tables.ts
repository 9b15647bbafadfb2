import type { SampleColumn, SampleColumnType, SampleTableDefinition } from '../targets/sample-target.js';

function column(name: string, type: SampleColumnType, nullable = true): SampleColumn {
  return { name, type, nullable };
}

/**
 * The ERP's tables as the legacy Oracle schema declares them: upper-case names, NUMBER(p,s)
 * as decimals, and most columns nullable, because the old system enforced little. Defects live
 * only in columns whose type accepts them, so no generated row breaks its column type.
 */
export const PLANTS_TABLE: SampleTableDefinition = {
  name: 'PLANTS',
  columns: [
    column('PLANT_ID', 'integer', false),
    column('PLANT_CODE', 'text'),
    column('NAME', 'text'),
    column('CITY', 'text'),
    column('COUNTRY_CODE', 'text'),
  ],
  primaryKey: ['PLANT_ID'],
};

export const CUSTOMERS_TABLE: SampleTableDefinition = {
  name: 'CUSTOMERS',
  columns: [
    column('CUSTOMER_ID', 'integer', false),
    column('CUSTOMER_NO', 'text'),
    column('NAME', 'text'),
    column('LEGAL_FORM', 'text'),
    column('STREET', 'text'),
    column('POSTAL_CODE', 'text'),
    column('CITY', 'text'),
    column('COUNTRY_CODE', 'text'),
    column('VAT_ID', 'text'),
    column('PAYMENT_TERMS_DAYS', 'integer'),
    column('CREDIT_LIMIT', { decimal: [12, 2] }),
    column('BLOCKED_FLAG', 'text'),
    column('CREATED_AT', 'timestamp'),
  ],
  primaryKey: ['CUSTOMER_ID'],
};

export const ARTICLES_TABLE: SampleTableDefinition = {
  name: 'ARTICLES',
  columns: [
    column('ARTICLE_ID', 'integer', false),
    column('ARTICLE_NO', 'text'),
    column('DESCRIPTION', 'text'),
    column('PRODUCT_GROUP', 'text'),
    column('ARTICLE_TYPE', 'text'),
    column('UNIT', 'text'),
    column('LIST_PRICE', { decimal: [12, 2] }),
    column('WEIGHT_KG', { decimal: [10, 3] }),
    column('ACTIVE_FLAG', 'text'),
  ],
  primaryKey: ['ARTICLE_ID'],
};

/** Legacy text columns ORDER_DATE_TXT and AMOUNT_TXT repeat ORDER_DATE and NET_AMOUNT in the formats the old screens wrote. */
export const ORDERS_TABLE: SampleTableDefinition = {
  name: 'ORDERS',
  columns: [
    column('ORDER_ID', 'integer', false),
    column('ORDER_NO', 'text'),
    column('CUSTOMER_ID', 'integer'),
    column('PLANT_ID', 'integer'),
    column('ORDER_DATE', 'date'),
    column('REQUESTED_DELIVERY', 'date'),
    column('ACTUAL_DELIVERY', 'date'),
    column('STATUS', 'text'),
    column('INCOTERM', 'text'),
    column('CURRENCY', 'text'),
    column('NET_AMOUNT', { decimal: [14, 2] }),
    column('ORDER_DATE_TXT', 'text'),
    column('AMOUNT_TXT', 'text'),
    column('CUSTOMER_PO', 'text'),
    column('CREATED_BY', 'text'),
    column('CREATED_AT', 'timestamp'),
    column('UPDATED_AT', 'timestamp'),
  ],
  primaryKey: ['ORDER_ID'],
  indexes: [['UPDATED_AT']],
};

export const ORDER_ITEMS_TABLE: SampleTableDefinition = {
  name: 'ORDER_ITEMS',
  columns: [
    column('ORDER_ID', 'integer', false),
    column('POSITION', 'integer', false),
    column('ARTICLE_ID', 'integer'),
    column('QUANTITY', { decimal: [12, 3] }),
    column('UNIT', 'text'),
    column('UNIT_PRICE', { decimal: [14, 2] }),
    column('DISCOUNT_PCT', { decimal: [5, 2] }),
    column('LINE_AMOUNT', { decimal: [14, 2] }),
  ],
  primaryKey: ['ORDER_ID', 'POSITION'],
};

export const INVOICES_TABLE: SampleTableDefinition = {
  name: 'INVOICES',
  columns: [
    column('INVOICE_ID', 'integer', false),
    column('INVOICE_NO', 'text'),
    column('ORDER_ID', 'integer'),
    column('CUSTOMER_ID', 'integer'),
    column('INVOICE_DATE', 'date'),
    column('DUE_DATE', 'date'),
    column('CURRENCY', 'text'),
    column('NET_AMOUNT', { decimal: [14, 2] }),
    column('VAT_RATE', { decimal: [5, 2] }),
    column('TAX_AMOUNT', { decimal: [14, 2] }),
    column('GROSS_AMOUNT', { decimal: [14, 2] }),
    column('PAID_DATE', 'date'),
    column('DUNNING_LEVEL', 'integer'),
  ],
  primaryKey: ['INVOICE_ID'],
};

/** The tables in load order: referenced tables first. */
export const ERP_TABLES: readonly SampleTableDefinition[] = [
  PLANTS_TABLE,
  CUSTOMERS_TABLE,
  ARTICLES_TABLE,
  ORDERS_TABLE,
  ORDER_ITEMS_TABLE,
  INVOICES_TABLE,
];

export type ErpTableName = 'PLANTS' | 'CUSTOMERS' | 'ARTICLES' | 'ORDERS' | 'ORDER_ITEMS' | 'INVOICES';
