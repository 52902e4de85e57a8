-- W9 (CD): the web export is a full property — every web-shop order has exactly one purchase
-- session, and the sessions of an ad-day never exceed that ad-day's clicks.
SELECT 'order without exactly one purchase session' AS problem, o.order_id AS id, NULL AS day, count(s.session_key) AS sessions, NULL AS clicks
FROM ecommerce_orders o
LEFT JOIN web_sessions s ON s.transaction_id = o.order_id
GROUP BY o.order_id
HAVING count(s.session_key) <> 1
UNION ALL
SELECT 'ad-day with more sessions than clicks', s.ad_id, s.performance_date, count(*), max(p.clicks)
FROM web_sessions s
LEFT JOIN marketing_daily_performance p ON p.ad_id = s.ad_id AND p.performance_date = s.performance_date
WHERE s.ad_id IS NOT NULL
GROUP BY s.ad_id, s.performance_date
HAVING count(*) > coalesce(max(p.clicks), 0);
