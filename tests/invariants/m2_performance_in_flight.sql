-- M2 (PC): a performance row's date lies within its campaign's flight (start_date..end_date),
-- the campaign being found through ad → ad group → campaign.
SELECT p.ad_id, p.performance_date, c.campaign_id, c.start_date, c.end_date
FROM marketing_daily_performance p
LEFT JOIN marketing_ads a ON a.ad_id = p.ad_id
LEFT JOIN marketing_ad_groups g ON g.ad_group_id = a.ad_group_id
LEFT JOIN marketing_campaigns c ON c.campaign_id = g.campaign_id
WHERE c.campaign_id IS NULL
   OR p.performance_date < c.start_date
   OR p.performance_date > c.end_date;
