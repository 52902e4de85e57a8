-- W10 (CD): the cart of a purchase session holds what is ordered: every item event (view_item,
-- add_to_cart, begin_checkout) of a session with a purchase shows a product of that order's
-- lines, and every item event has a product.
SELECT e.event_id, e.event_name, e.item_id, s.transaction_id
FROM web_events e
JOIN web_sessions s ON s.session_key = e.session_key
WHERE e.event_name IN ('view_item', 'add_to_cart', 'begin_checkout')
  AND (e.item_id IS NULL
       OR (s.transaction_id IS NOT NULL AND NOT EXISTS (
             SELECT 1 FROM ecommerce_order_items i
             WHERE i.order_id = s.transaction_id AND i.product_id = e.item_id)));
