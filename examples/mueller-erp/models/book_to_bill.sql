-- Book-to-bill per month: order intake (order headers, cancelled orders left out) divided by
-- revenue (invoices), both in EUR.
-- Fixed example rates in EUR per currency unit (1 EUR = 1.08 USD = 7.8 CNY = 4.3 PLN), not market rates.
WITH eur_rates (CURRENCY, EUR_PER_UNIT) AS (
  VALUES
    ('EUR', CAST(1 AS DECIMAL(12, 6))),
    ('USD', CAST(0.925926 AS DECIMAL(12, 6))),
    ('CNY', CAST(0.128205 AS DECIMAL(12, 6))),
    ('PLN', CAST(0.232558 AS DECIMAL(12, 6)))
),
intake AS (
  SELECT CAST(date_trunc('month', o.ORDER_DATE) AS DATE) AS MONTH, sum(o.NET_AMOUNT * r.EUR_PER_UNIT) AS EUR
  FROM ORDERS o
  JOIN eur_rates r ON r.CURRENCY = o.CURRENCY
  WHERE o.STATUS IS DISTINCT FROM 'ST'
  GROUP BY ALL
),
billed AS (
  SELECT CAST(date_trunc('month', v.INVOICE_DATE) AS DATE) AS MONTH, sum(v.NET_AMOUNT * r.EUR_PER_UNIT) AS EUR
  FROM INVOICES v
  JOIN eur_rates r ON r.CURRENCY = v.CURRENCY
  GROUP BY ALL
)
SELECT
  coalesce(intake.MONTH, billed.MONTH) AS MONTH,
  CAST(round(coalesce(intake.EUR, 0), 2) AS DECIMAL(18, 2)) AS ORDER_INTAKE_EUR,
  CAST(round(coalesce(billed.EUR, 0), 2) AS DECIMAL(18, 2)) AS REVENUE_EUR,
  -- DuckDB divides decimals in DOUBLE, so the ratio is rounded to 4 places and stored as DECIMAL.
  CAST(round(CAST(intake.EUR AS DOUBLE) / NULLIF(CAST(billed.EUR AS DOUBLE), 0), 4) AS DECIMAL(12, 4)) AS BOOK_TO_BILL
FROM intake
FULL OUTER JOIN billed ON billed.MONTH = intake.MONTH
WHERE coalesce(intake.MONTH, billed.MONTH) IS NOT NULL
ORDER BY MONTH
