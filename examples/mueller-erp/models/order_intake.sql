-- Order intake (Auftragseingang) per order month, plant, product group, customer and currency,
-- from the order lines, because the product group belongs to the article of each line.
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
  a.PRODUCT_GROUP,
  o.CUSTOMER_ID,
  o.CURRENCY,
  sum(i.LINE_AMOUNT) AS ORDER_INTAKE,
  CAST(round(sum(i.LINE_AMOUNT * r.EUR_PER_UNIT), 2) AS DECIMAL(18, 2)) AS ORDER_INTAKE_EUR,
  count(DISTINCT o.ORDER_ID) AS ORDERS
FROM ORDERS o
JOIN ORDER_ITEMS i ON i.ORDER_ID = o.ORDER_ID
LEFT JOIN ARTICLES a ON a.ARTICLE_ID = i.ARTICLE_ID
LEFT JOIN eur_rates r ON r.CURRENCY = o.CURRENCY
WHERE o.STATUS IS DISTINCT FROM 'ST'
GROUP BY ALL
ORDER BY ALL
