-- F5 (PC): invoice subtotal = Σ line amounts (line amount = quantity × unit price), and
-- total = subtotal + tax − discount (+ shipping, which this shop invoices) (±0.01).
WITH l AS (
  SELECT invoice_id, sum(amount) AS lines, count(*) FILTER (WHERE abs(amount - quantity * unit_price) > 0.01) AS bad_lines
  FROM finance_invoice_lines GROUP BY invoice_id
)
SELECT i.invoice_id, i.subtotal, l.lines, l.bad_lines, i.discount, i.shipping, i.tax, i.total
FROM finance_invoices i
LEFT JOIN l ON l.invoice_id = i.invoice_id
WHERE abs(i.subtotal - coalesce(l.lines, 0)) > 0.01
   OR coalesce(l.bad_lines, 0) > 0
   OR abs(i.total - (i.subtotal + i.tax - i.discount + i.shipping)) > 0.01;
