-- Sales, profit and margin of the Sample Superstore per month, region and category.
SELECT
  CAST(date_trunc('month', ORDER_DATE) AS DATE) AS MONTH,
  REGION,
  CATEGORY,
  sum(SALES) AS SALES,
  sum(PROFIT) AS PROFIT,
  -- DuckDB divides decimals in DOUBLE, so the ratio is rounded to 4 places and stored as DECIMAL.
  CAST(round(CAST(sum(PROFIT) AS DOUBLE) / NULLIF(CAST(sum(SALES) AS DOUBLE), 0), 4) AS DECIMAL(9, 4)) AS MARGIN,
  count(DISTINCT ORDER_ID) AS ORDERS
FROM SUPERSTORE_ORDERS
GROUP BY ALL
ORDER BY MONTH, REGION, CATEGORY
