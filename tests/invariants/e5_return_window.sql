-- E5 (PC): a return is requested after delivery and at most 30 days after it.
SELECT r.return_id, o.order_id, o.delivered_at, r.requested_at
FROM ecommerce_returns r
LEFT JOIN ecommerce_orders o ON o.order_id = r.order_id
WHERE o.delivered_at IS NULL
   OR r.requested_at <= o.delivered_at
   OR r.requested_at > o.delivered_at + INTERVAL 30 DAY;
