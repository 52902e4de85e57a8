-- W6 (CD): every paid-medium session (cpc, display, paid_social) carries a utm_campaign that is
-- a marketing campaign with the same source and medium, in flight on the session's day.
SELECT s.session_key, s.utm_source, s.utm_medium, s.utm_campaign, s.started_at, c.start_date, c.end_date
FROM web_sessions s
LEFT JOIN marketing_campaigns c ON c.utm_campaign = s.utm_campaign
WHERE s.utm_medium IN ('cpc', 'display', 'paid_social')
  AND (c.campaign_id IS NULL
       OR c.utm_source <> s.utm_source OR c.utm_medium <> s.utm_medium
       OR CAST(s.started_at AS DATE) NOT BETWEEN c.start_date AND c.end_date);
