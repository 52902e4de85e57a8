-- F4 (PC): every GL line's account exists in the chart of accounts, is a leaf (no account
-- has it as parent) and is active.
SELECT g.gl_line_id, g.account_id, a.account_name, a.is_active,
       EXISTS (SELECT 1 FROM finance_chart_of_accounts c WHERE c.parent_id = g.account_id) AS has_children
FROM finance_gl_transactions g
LEFT JOIN finance_chart_of_accounts a ON a.account_id = g.account_id
WHERE a.account_id IS NULL
   OR NOT a.is_active
   OR EXISTS (SELECT 1 FROM finance_chart_of_accounts c WHERE c.parent_id = g.account_id);
