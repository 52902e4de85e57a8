-- M5 (W): lead stages are monotone — created ≤ mql ≤ sql ≤ opp ≤ customer — and no later stage
-- is set while an earlier one is null.
SELECT lead_id, created_at, mql_at, sql_at, opp_at, customer_at
FROM marketing_leads
WHERE created_at IS NULL
   OR mql_at < created_at OR sql_at < mql_at OR opp_at < sql_at OR customer_at < opp_at
   OR (mql_at IS NULL AND coalesce(sql_at, opp_at, customer_at) IS NOT NULL)
   OR (sql_at IS NULL AND coalesce(opp_at, customer_at) IS NOT NULL)
   OR (opp_at IS NULL AND customer_at IS NOT NULL);
