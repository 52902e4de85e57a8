-- F12 (W): the ledger opens on 2022-01-01 with one balanced opening journal (cash and inventory
-- against opening balance equity 3500) dated before every other posting.
WITH o AS (
  SELECT count(DISTINCT journal_id) AS journals, min(posting_date) AS opened, sum(debit) AS debit, sum(credit) AS credit
  FROM finance_gl_transactions WHERE source_type = 'opening_balance'
)
SELECT o.journals, o.opened, o.debit, o.credit, (SELECT min(posting_date) FROM finance_gl_transactions WHERE source_type <> 'opening_balance') AS first_other
FROM o
WHERE o.journals <> 1 OR o.opened <> DATE '2022-01-01' OR o.debit <> o.credit OR o.debit <= 0
   OR o.opened > (SELECT min(posting_date) FROM finance_gl_transactions WHERE source_type <> 'opening_balance');
