-- On-time delivery per delivery month and plant: the share of delivered orders whose actual
-- delivery date is on or before the requested one.
SELECT
  CAST(date_trunc('month', ACTUAL_DELIVERY) AS DATE) AS MONTH,
  PLANT_ID,
  count(*) AS DELIVERED_ORDERS,
  count(*) FILTER (WHERE ACTUAL_DELIVERY <= REQUESTED_DELIVERY) AS ON_TIME_ORDERS,
  -- DuckDB divides in DOUBLE, so the share is rounded to 4 places and stored as DECIMAL.
  CAST(round(CAST(count(*) FILTER (WHERE ACTUAL_DELIVERY <= REQUESTED_DELIVERY) AS DOUBLE) / count(*), 4) AS DECIMAL(5, 4)) AS ON_TIME_SHARE
FROM ORDERS
WHERE ACTUAL_DELIVERY IS NOT NULL
  AND STATUS IS DISTINCT FROM 'ST'
GROUP BY ALL
ORDER BY ALL
