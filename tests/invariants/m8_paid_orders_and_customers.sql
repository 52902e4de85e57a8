-- M8 (CD): paid media sells. An order that came from a paid click has its purchase session on
-- that ad and day (and the click's campaign), on the order's day; a business customer won from a
-- paid lead has that lead, captured by the same ad on the same day, and reached the customer
-- stage when the customer was created.
SELECT 'order' AS what, o.order_id AS id
FROM ecommerce_orders o
LEFT JOIN web_sessions s ON s.transaction_id = o.order_id
LEFT JOIN marketing_daily_performance d ON d.ad_id = o.last_click_ad_id AND d.performance_date = o.last_click_date
WHERE o.last_click_ad_id IS NOT NULL
  AND (s.session_key IS NULL OR s.ad_id IS DISTINCT FROM o.last_click_ad_id
       OR s.performance_date IS DISTINCT FROM o.last_click_date
       OR s.campaign_id IS DISTINCT FROM d.campaign_id
       OR CAST(s.started_at AS DATE) <> o.last_click_date
       OR CAST(o.ordered_at AS DATE) <> o.last_click_date)
UNION ALL
SELECT 'customer', c.crm_id
FROM crm_customers c
LEFT JOIN marketing_leads l ON l.crm_id = c.crm_id AND l.lead_source = 'paid_media'
WHERE c.lead_ad_id IS NOT NULL
  AND (l.lead_id IS NULL OR l.ad_id <> c.lead_ad_id OR l.performance_date <> c.lead_ad_date
       OR l.customer_at <> c.created_at);
