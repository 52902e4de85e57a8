-- E1 (PC): order subtotal = Σ line totals (line total = quantity × unit price), and
-- total = subtotal − discount + shipping + tax (±0.01).
WITH l AS (
  SELECT order_id, sum(line_total) AS lines, count(*) FILTER (WHERE abs(line_total - quantity * unit_price) > 0.01) AS bad_lines
  FROM ecommerce_order_items GROUP BY order_id
)
SELECT o.order_id, o.subtotal, l.lines, l.bad_lines, o.discount, o.shipping, o.tax, o.total
FROM ecommerce_orders o
LEFT JOIN l ON l.order_id = o.order_id
WHERE abs(o.subtotal - coalesce(l.lines, 0)) > 0.01
   OR coalesce(l.bad_lines, 0) > 0
   OR abs(o.total - (o.subtotal - o.discount + o.shipping + o.tax)) > 0.01;
