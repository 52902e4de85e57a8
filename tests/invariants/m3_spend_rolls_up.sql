-- M3 (PC): spend rolls up — ad spend = Σ its daily spend, ad-group spend = Σ its ads' spend,
-- campaign spend = Σ its ad groups' spend (±0.01).
WITH perf AS (SELECT ad_id, sum(spend) AS s FROM marketing_daily_performance GROUP BY ad_id),
     ads AS (SELECT ad_group_id, sum(spend) AS s FROM marketing_ads GROUP BY ad_group_id),
     grp AS (SELECT campaign_id, sum(spend) AS s FROM marketing_ad_groups GROUP BY campaign_id)
SELECT 'ad' AS level, a.ad_id AS id, a.spend, coalesce(perf.s, 0) AS children
FROM marketing_ads a LEFT JOIN perf ON perf.ad_id = a.ad_id
WHERE abs(a.spend - coalesce(perf.s, 0)) > 0.01
UNION ALL
SELECT 'ad_group', g.ad_group_id, g.spend, coalesce(ads.s, 0)
FROM marketing_ad_groups g LEFT JOIN ads ON ads.ad_group_id = g.ad_group_id
WHERE abs(g.spend - coalesce(ads.s, 0)) > 0.01
UNION ALL
SELECT 'campaign', c.campaign_id, c.spend, coalesce(grp.s, 0)
FROM marketing_campaigns c LEFT JOIN grp ON grp.campaign_id = c.campaign_id
WHERE abs(c.spend - coalesce(grp.s, 0)) > 0.01;
