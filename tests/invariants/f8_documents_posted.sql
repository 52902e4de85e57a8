-- F8 (CD): every invoice, payment and expense has a GL journal for the same amount: an
-- invoice journal debits receivables (1100) with the total and credits revenue (4010, 4100)
-- and sales tax (2200), net of discounts (4200), for the total; a payment journal debits cash
-- (1010) with the amount; an expense journal debits the expense's account with the amount.
WITH j AS (
  SELECT source_type, source_id,
         coalesce(sum(debit) FILTER (WHERE account_id = 1100), 0) AS ar_debit,
         coalesce(sum(credit) FILTER (WHERE account_id IN (4010, 4100, 2200)), 0)
           - coalesce(sum(debit) FILTER (WHERE account_id = 4200), 0) AS revenue_and_tax,
         coalesce(sum(debit) FILTER (WHERE account_id = 1010), 0) AS cash_debit,
         sum(debit) AS debits
  FROM finance_gl_transactions
  GROUP BY source_type, source_id
)
SELECT 'invoice' AS document, i.invoice_id AS id, i.total AS amount, j.ar_debit AS posted_1, j.revenue_and_tax AS posted_2
FROM finance_invoices i
LEFT JOIN j ON j.source_type = 'invoice' AND j.source_id = i.invoice_id
WHERE j.source_id IS NULL OR abs(j.ar_debit - i.total) > 0.01 OR abs(j.revenue_and_tax - i.total) > 0.01
UNION ALL
SELECT 'payment', p.payment_id, p.amount, j.cash_debit, j.debits
FROM finance_payments p
LEFT JOIN j ON j.source_type = 'payment' AND j.source_id = p.payment_id
WHERE j.source_id IS NULL OR abs(j.cash_debit - p.amount) > 0.01 OR abs(j.debits - p.amount) > 0.01
UNION ALL
SELECT 'expense', e.expense_id, e.amount, x.expense_debit, x.debits
FROM finance_expenses e
LEFT JOIN (
  SELECT g.source_id, sum(g.debit) AS debits,
         sum(g.debit) FILTER (WHERE g.account_id = e2.account_id) AS expense_debit
  FROM finance_gl_transactions g
  JOIN finance_expenses e2 ON e2.expense_id = g.source_id
  WHERE g.source_type = 'expense'
  GROUP BY g.source_id
) x ON x.source_id = e.expense_id
WHERE x.source_id IS NULL OR abs(coalesce(x.expense_debit, 0) - e.amount) > 0.01 OR abs(x.debits - e.amount) > 0.01;
