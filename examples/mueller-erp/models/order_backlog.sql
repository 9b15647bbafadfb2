-- Order backlog (Auftragsbestand): orders that are entered (ER), released (FR) or only partly
-- delivered (TL), per order month and plant.
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
  count(*) AS OPEN_ORDERS,
  CAST(round(sum(o.NET_AMOUNT * r.EUR_PER_UNIT), 2) AS DECIMAL(18, 2)) AS BACKLOG_EUR
FROM ORDERS o
LEFT JOIN eur_rates r ON r.CURRENCY = o.CURRENCY
WHERE o.STATUS IN ('ER', 'FR', 'TL')
GROUP BY ALL
ORDER BY ALL
