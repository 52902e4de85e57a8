-- F3 (W): the trial balance of every fiscal period balances — Σ debit = Σ credit (±0.01).
SELECT fiscal_period, sum(debit) AS debit, sum(credit) AS credit
FROM finance_gl_transactions
GROUP BY fiscal_period
HAVING abs(sum(debit) - sum(credit)) > 0.01 OR fiscal_period IS NULL;
