-- F6 (PC): Σ payments ≤ invoice total, and status = 'paid' exactly when the payments add up to
-- the total (±0.01).
WITH p AS (SELECT invoice_id, sum(amount) AS paid FROM finance_payments GROUP BY invoice_id)
SELECT i.invoice_id, i.total, coalesce(p.paid, 0) AS paid, i.status
FROM finance_invoices i
LEFT JOIN p ON p.invoice_id = i.invoice_id
WHERE coalesce(p.paid, 0) > i.total + 0.01
   OR (i.status = 'paid') <> (abs(coalesce(p.paid, 0) - i.total) <= 0.01);
