-- C2 (W): CSAT is in 1..5 and present only on resolved tickets; NPS is in 0..10.
SELECT 'csat' AS score, ticket_id AS id, csat AS value, resolved_at IS NOT NULL AS resolved
FROM crm_support_tickets
WHERE csat IS NOT NULL AND (csat NOT BETWEEN 1 AND 5 OR resolved_at IS NULL)
UNION ALL
SELECT 'nps', crm_id, nps_score, NULL
FROM crm_customers
WHERE nps_score IS NOT NULL AND nps_score NOT BETWEEN 0 AND 10;
