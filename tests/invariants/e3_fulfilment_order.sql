-- E3 (W): ordered_at ≤ shipped_at ≤ delivered_at, and a cancelled order is never shipped.
SELECT order_id, status, ordered_at, shipped_at, delivered_at
FROM ecommerce_orders
WHERE shipped_at < ordered_at
   OR delivered_at < shipped_at
   OR (delivered_at IS NOT NULL AND shipped_at IS NULL)
   OR (status = 'cancelled' AND (shipped_at IS NOT NULL OR delivered_at IS NOT NULL));
