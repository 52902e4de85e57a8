-- M6 (CD): a lead has a CRM customer exactly when it reached the customer stage, and the CRM
-- customer was created no earlier than the lead.
SELECT l.lead_id, l.crm_id, l.created_at, l.customer_at, c.crm_id AS crm_found, c.created_at AS crm_created_at
FROM marketing_leads l
LEFT JOIN crm_customers c ON c.crm_id = l.crm_id
WHERE (l.crm_id IS NULL) <> (l.customer_at IS NULL)
   OR (l.crm_id IS NOT NULL AND (c.crm_id IS NULL OR c.created_at < l.created_at));
