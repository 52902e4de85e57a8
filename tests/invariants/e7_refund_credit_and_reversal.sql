-- E7 (CD): every refunded return has one credit note for the refunded amount, against the
-- invoice of its order, and a GL reversal journal (DR sales returns 4300 for the subtotal,
-- CR cash for the total).
WITH cn AS (
  SELECT return_id, count(*) AS n, min(credit_note_id) AS credit_note_id, min(subtotal) AS subtotal,
         min(total) AS total, min(invoice_id) AS invoice_id
  FROM finance_credit_notes GROUP BY return_id
),
j AS (
  SELECT source_id,
         coalesce(sum(debit) FILTER (WHERE account_id = 4300), 0) AS returns_debit,
         coalesce(sum(credit) FILTER (WHERE account_id = 1010), 0) AS cash_credit
  FROM finance_gl_transactions WHERE source_type = 'credit_note' GROUP BY source_id
)
SELECT r.return_id, r.refund_amount, cn.n, cn.subtotal, cn.total, i.order_id AS invoiced_order, j.returns_debit, j.cash_credit
FROM ecommerce_returns r
LEFT JOIN cn ON cn.return_id = r.return_id
LEFT JOIN finance_invoices i ON i.invoice_id = cn.invoice_id
LEFT JOIN j ON j.source_id = cn.credit_note_id
WHERE r.status = 'refunded'
  AND (cn.n IS NULL OR cn.n <> 1
       OR abs(cn.subtotal - r.refund_amount) > 0.01
       OR i.order_id IS DISTINCT FROM r.order_id
       OR j.source_id IS NULL
       OR abs(j.returns_debit - cn.subtotal) > 0.01
       OR abs(j.cash_credit - cn.total) > 0.01);
