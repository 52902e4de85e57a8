-- C3 (PC): segment history is a proper SCD2 — per customer no two versions overlap, no version
-- ends before it starts, exactly one version is current (and it is the open-ended one), and
-- every CRM customer has a history.
WITH v AS (
  SELECT crm_id, valid_from, valid_to, is_current,
         lead(valid_from) OVER (PARTITION BY crm_id ORDER BY valid_from) AS next_from
  FROM crm_customer_segments
),
overlap AS (
  SELECT crm_id, 'overlap or open-ended non-last version' AS problem
  FROM v
  WHERE next_from IS NOT NULL AND (valid_to IS NULL OR valid_to > next_from)
  UNION ALL
  SELECT crm_id, 'valid_to before valid_from' FROM v WHERE valid_to < valid_from
  UNION ALL
  SELECT crm_id, 'current flag disagrees with valid_to' FROM v WHERE is_current <> (valid_to IS NULL)
),
cur AS (
  SELECT c.crm_id, count(s.crm_id) FILTER (WHERE s.is_current) AS n_current, count(s.crm_id) AS n_versions
  FROM crm_customers c LEFT JOIN crm_customer_segments s ON s.crm_id = c.crm_id
  GROUP BY c.crm_id
)
SELECT crm_id, problem FROM overlap
UNION ALL
SELECT crm_id, 'has ' || n_current || ' current versions of ' || n_versions FROM cur WHERE n_current <> 1;
