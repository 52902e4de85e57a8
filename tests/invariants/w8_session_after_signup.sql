-- W8 (CD): a session with a logged-in user ends no earlier than the customer registered.
SELECT s.session_key, s.user_id, c.created_at, s.started_at, s.ended_at
FROM web_sessions s
LEFT JOIN ecommerce_customers c ON c.customer_id = s.user_id
WHERE s.user_id IS NOT NULL AND (c.customer_id IS NULL OR c.created_at > s.ended_at);
