-- F2 (W): a GL line has debit ≥ 0 and credit ≥ 0, and exactly one of them > 0.
SELECT gl_line_id, journal_id, debit, credit
FROM finance_gl_transactions
WHERE debit IS NULL OR credit IS NULL
   OR debit < 0 OR credit < 0
   OR (debit > 0) = (credit > 0);
