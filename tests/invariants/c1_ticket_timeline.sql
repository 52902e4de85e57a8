-- C1 (W): ticket created_at ≤ first_response_at ≤ resolved_at ≤ closed_at (later stamps only
-- when the earlier ones are set).
SELECT ticket_id, status, created_at, first_response_at, resolved_at, closed_at
FROM crm_support_tickets
WHERE created_at IS NULL
   OR first_response_at < created_at
   OR resolved_at < first_response_at
   OR closed_at < resolved_at
   OR (resolved_at IS NOT NULL AND first_response_at IS NULL)
   OR (closed_at IS NOT NULL AND resolved_at IS NULL);
