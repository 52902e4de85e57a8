-- F1 (W): every journal balances — Σ debit = Σ credit per journal_id (±0.01).
SELECT journal_id, sum(debit) AS debit, sum(credit) AS credit
FROM finance_gl_transactions
GROUP BY journal_id
HAVING abs(sum(debit) - sum(credit)) > 0.01;
