-- Average order value per order month and plant in EUR, over orders that are not cancelled
-- and have a currency with a rate.
-- Fixed example rates in EUR per currency unit (1 EUR = 1.08 USD = 7.8 CNY = 4.3 PLN), not market rates.
WITH eur_rates (CURRENCY, EUR_PER_UNIT) AS (
  VALUES
    ('EUR', CAST(1 AS DECIMAL(12, 6))),
    ('USD', CAST(0.925926 AS DECIMAL(12, 6))),
    ('CNY', CAST(0.128205 AS DECIMAL(12, 6))),
    ('PLN', CAST(0.232558 AS DECIMAL(12, 6)))
)
SELECT
  CAST(date_trunc('month', o.ORDER_DATE) AS DATE) AS MONTH,
  o.PLANT_ID,
  count(*) AS ORDERS,
  CAST(round(sum(o.NET_AMOUNT * r.EUR_PER_UNIT), 2) AS DECIMAL(18, 2)) AS ORDER_INTAKE_EUR,
  -- DuckDB divides decimals in DOUBLE, so the average is rounded to cents and stored as DECIMAL.
  CAST(round(CAST(sum(o.NET_AMOUNT * r.EUR_PER_UNIT) AS DOUBLE) / count(*), 2) AS DECIMAL(18, 2)) AS AVERAGE_ORDER_VALUE_EUR
FROM ORDERS o
JOIN eur_rates r ON r.CURRENCY = o.CURRENCY
WHERE o.STATUS IS DISTINCT FROM 'ST'
GROUP BY ALL
ORDER BY ALL
