-- W7 (CD): paid sessions per campaign and day never exceed the clicks the campaign's ads got
-- that day.
WITH clicks AS (
  SELECT g.campaign_id, p.performance_date AS day, sum(p.clicks) AS clicks
  FROM marketing_daily_performance p
  JOIN marketing_ads a ON a.ad_id = p.ad_id
  JOIN marketing_ad_groups g ON g.ad_group_id = a.ad_group_id
  GROUP BY g.campaign_id, p.performance_date
),
sessions AS (
  SELECT c.campaign_id, CAST(s.started_at AS DATE) AS day, count(*) AS sessions
  FROM web_sessions s
  JOIN marketing_campaigns c ON c.utm_campaign = s.utm_campaign
  WHERE s.utm_medium IN ('cpc', 'display', 'paid_social', 'email')
  GROUP BY c.campaign_id, CAST(s.started_at AS DATE)
)
SELECT s.campaign_id, s.day, s.sessions, coalesce(k.clicks, 0) AS clicks
FROM sessions s
LEFT JOIN clicks k ON k.campaign_id = s.campaign_id AND k.day = s.day
WHERE s.sessions > coalesce(k.clicks, 0);
