-- Revenue (Umsatz) per invoice month, plant and currency, from the net amounts of the invoices.
-- Fixed example rates in EUR per currency unit (1 EUR = 1.08 USD = 7.8 CNY = 4.3 PLN), not market rates.
WITH eur_rates (CURRENCY, EUR_PER_UNIT) AS (
  VALUES
    ('EUR', CAST(1 AS DECIMAL(12, 6))),
    ('USD', CAST(0.925926 AS DECIMAL(12, 6))),
    ('CNY', CAST(0.128205 AS DECIMAL(12, 6))),
    ('PLN', CAST(0.232558 AS DECIMAL(12, 6)))
)
SELECT
  CAST(date_trunc('month', v.INVOICE_DATE) AS DATE) AS MONTH,
  o.PLANT_ID,
  v.CURRENCY,
  sum(v.NET_AMOUNT) AS REVENUE,
  CAST(round(sum(v.NET_AMOUNT * r.EUR_PER_UNIT), 2) AS DECIMAL(18, 2)) AS REVENUE_EUR,
  count(*) AS INVOICES
FROM INVOICES v
LEFT JOIN ORDERS o ON o.ORDER_ID = v.ORDER_ID
LEFT JOIN eur_rates r ON r.CURRENCY = v.CURRENCY
GROUP BY ALL
ORDER BY ALL
