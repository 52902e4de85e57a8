-- F9 (CD): a refund never exceeds what was charged — a credit note's subtotal is at most the
-- returned units at the price actually paid (net of the order's coupon), and the credit notes
-- of an invoice never add up to more than its subtotal net of discount (±0.01).
WITH cn AS (
  SELECT c.credit_note_id, c.invoice_id, c.subtotal, r.quantity, oi.unit_price, o.discount, o.subtotal AS order_subtotal
  FROM finance_credit_notes c
  JOIN ecommerce_returns r ON r.return_id = c.return_id
  JOIN ecommerce_order_items oi ON oi.order_id = r.order_id AND oi.line_no = r.line_no
  JOIN ecommerce_orders o ON o.order_id = r.order_id
)
SELECT 'credit note above the price paid' AS problem, credit_note_id AS id, subtotal AS credited,
       quantity * unit_price * (1 - discount / order_subtotal) AS charged
FROM cn
WHERE subtotal > quantity * unit_price * (1 - discount / order_subtotal) + 0.01
UNION ALL
SELECT 'credit notes above the invoice', i.invoice_id, sum(cn.subtotal), min(i.subtotal - i.discount)
FROM cn JOIN finance_invoices i ON i.invoice_id = cn.invoice_id
GROUP BY i.invoice_id
HAVING sum(cn.subtotal) > min(i.subtotal - i.discount) + 0.01;
