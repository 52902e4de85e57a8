-- E4 (PC): Σ returned quantity of an order line ≤ its ordered quantity, and every refund ≤ the
-- line total.
WITH r AS (
  SELECT order_id, line_no, sum(quantity) AS returned, max(refund_amount) AS max_refund
  FROM ecommerce_returns GROUP BY order_id, line_no
)
SELECT i.order_id, i.line_no, i.quantity, r.returned, i.line_total, r.max_refund
FROM r
LEFT JOIN ecommerce_order_items i ON i.order_id = r.order_id AND i.line_no = r.line_no
WHERE i.order_id IS NULL
   OR r.returned > i.quantity
   OR r.max_refund > i.line_total + 0.01;
