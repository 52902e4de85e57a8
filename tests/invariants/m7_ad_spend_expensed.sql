-- M7 (CD, adapted): finance books every campaign's media spend as exactly one expense from
-- the campaign's platform vendor, on the advertising account (6010), for Σ daily spend
-- (±0.01). Adapted from "per platform-month after FX": platforms bill per campaign here and
-- every amount is in USD, so there is no FX step.
WITH perf AS (
  SELECT g.campaign_id, sum(p.spend) AS spend
  FROM marketing_daily_performance p
  JOIN marketing_ads a ON a.ad_id = p.ad_id
  JOIN marketing_ad_groups g ON g.ad_group_id = a.ad_group_id
  GROUP BY g.campaign_id
),
exp AS (
  SELECT campaign_id, count(*) AS n, sum(amount) AS amount, min(vendor_id) AS vendor_id, min(account_id) AS account_id
  FROM finance_expenses WHERE campaign_id IS NOT NULL GROUP BY campaign_id
)
SELECT c.campaign_id, c.vendor_id, perf.spend, exp.n, exp.amount, exp.vendor_id AS expense_vendor, exp.account_id
FROM marketing_campaigns c
LEFT JOIN perf ON perf.campaign_id = c.campaign_id
LEFT JOIN exp ON exp.campaign_id = c.campaign_id
WHERE (coalesce(perf.spend, 0) > 0 AND (exp.n IS NULL OR exp.n <> 1))
   OR (coalesce(perf.spend, 0) = 0 AND exp.n IS NOT NULL)
   OR abs(coalesce(exp.amount, 0) - coalesce(perf.spend, 0)) > 0.01
   OR exp.vendor_id <> c.vendor_id
   OR exp.account_id <> 6010;
