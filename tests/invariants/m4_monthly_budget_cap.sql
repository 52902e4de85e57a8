-- M4 (PC): a campaign's spend in any calendar month is at most 30.4 × its daily budget.
SELECT c.campaign_id, date_trunc('month', p.performance_date) AS month, sum(p.spend) AS spend, c.daily_budget
FROM marketing_daily_performance p
JOIN marketing_ads a ON a.ad_id = p.ad_id
JOIN marketing_ad_groups g ON g.ad_group_id = a.ad_group_id
JOIN marketing_campaigns c ON c.campaign_id = g.campaign_id
GROUP BY c.campaign_id, date_trunc('month', p.performance_date), c.daily_budget
HAVING sum(p.spend) > 30.4 * c.daily_budget + 0.01;
