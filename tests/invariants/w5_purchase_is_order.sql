-- W5 (CD): every purchase event's transaction_id is one web-shop order, its value is the order
-- total, and the session's user is the order's customer; an order is purchased at most once.
SELECT 'purchase without its order' AS problem, e.event_id, e.transaction_id, e.value, o.total, s.user_id, o.customer_id
FROM web_events e
JOIN web_sessions s ON s.session_key = e.session_key
LEFT JOIN ecommerce_orders o ON o.order_id = e.transaction_id
WHERE e.event_name = 'purchase'
  AND (o.order_id IS NULL OR e.value IS NULL OR abs(e.value - o.total) > 0.01 OR s.user_id IS DISTINCT FROM o.customer_id)
UNION ALL
SELECT 'order purchased twice', NULL, transaction_id, NULL, NULL, NULL, NULL
FROM web_events WHERE event_name = 'purchase' GROUP BY transaction_id HAVING count(*) > 1;
