-- C6 (CD): the identity map is one-to-one — every web-shop customer has exactly one CRM
-- profile and every CRM profile points at exactly one existing web-shop customer.
WITH m AS (SELECT customer_id, count(*) AS n FROM crm_customers GROUP BY customer_id)
SELECT 'customer without exactly one profile' AS problem, e.customer_id AS id, coalesce(m.n, 0) AS n
FROM ecommerce_customers e LEFT JOIN m ON m.customer_id = e.customer_id
WHERE coalesce(m.n, 0) <> 1
UNION ALL
SELECT 'profile without a customer', c.crm_id, 0
FROM crm_customers c LEFT JOIN ecommerce_customers e ON e.customer_id = c.customer_id
WHERE e.customer_id IS NULL
UNION ALL
SELECT 'duplicate crm_id', crm_id, count(*) FROM crm_customers GROUP BY crm_id HAVING count(*) > 1;
