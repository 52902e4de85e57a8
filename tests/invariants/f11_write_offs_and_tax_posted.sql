-- F11 (CD): receivables and sales tax are cleared in the ledger — every written-off invoice has
-- a write-off journal (DR bad debt 6500, CR receivables 1100) for its open balance, and no
-- other invoice has one; the sales tax of every invoice dated before December 2026 is remitted
-- (DR sales tax payable 2200) on the 20th of the following month.
WITH wo AS (
  SELECT invoice_id, sum(debit) FILTER (WHERE account_id = 6500) AS bad_debt,
         sum(credit) FILTER (WHERE account_id = 1100) AS ar_credit
  FROM finance_gl_transactions WHERE source_type = 'write_off' GROUP BY invoice_id
),
tax AS (
  SELECT invoice_id, sum(debit) FILTER (WHERE account_id = 2200) AS remitted, min(posting_date) AS remitted_on
  FROM finance_gl_transactions WHERE source_type = 'tax_remittance' AND invoice_id IS NOT NULL GROUP BY invoice_id
)
SELECT 'write-off not posted' AS problem, i.invoice_id, i.status, i.total - i.amount_paid AS amount, wo.bad_debt AS posted
FROM finance_invoices i LEFT JOIN wo ON wo.invoice_id = i.invoice_id
WHERE (i.status = 'written_off') <> (wo.invoice_id IS NOT NULL)
   OR (wo.invoice_id IS NOT NULL AND (abs(wo.bad_debt - (i.total - i.amount_paid)) > 0.01
                                      OR abs(wo.ar_credit - (i.total - i.amount_paid)) > 0.01))
UNION ALL
SELECT 'sales tax not remitted', i.invoice_id, CAST(tax.remitted_on AS VARCHAR), i.tax, tax.remitted
FROM finance_invoices i LEFT JOIN tax ON tax.invoice_id = i.invoice_id
WHERE i.invoice_date < DATE '2026-12-01' AND i.tax > 0
  AND (tax.invoice_id IS NULL OR abs(tax.remitted - i.tax) > 0.01
       OR tax.remitted_on <> date_trunc('month', i.invoice_date) + INTERVAL 1 MONTH + INTERVAL 19 DAY);
