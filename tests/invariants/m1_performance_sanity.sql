-- M1 (W): daily performance — clicks ≤ impressions, conversions ≤ clicks, spend ≥ 0, and no
-- clicks or spend without impressions.
SELECT ad_id, performance_date, impressions, clicks, conversions, spend
FROM marketing_daily_performance
WHERE clicks > impressions
   OR conversions > clicks
   OR spend < 0
   OR (impressions = 0 AND (clicks <> 0 OR spend <> 0))
   OR impressions IS NULL OR clicks IS NULL OR conversions IS NULL OR spend IS NULL;
