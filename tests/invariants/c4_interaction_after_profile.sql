-- C4 (PC): an interaction happens no earlier than its CRM profile was created.
SELECT i.interaction_id, i.crm_id, i.occurred_at, c.created_at
FROM crm_interactions i
LEFT JOIN crm_customers c ON c.crm_id = i.crm_id
WHERE c.crm_id IS NULL OR i.occurred_at < c.created_at;
