-- C7 (CD): no order is placed after the customer's churn date (no subscriptions are modelled,
-- so the "no active subscription" half holds trivially); churn labels agree with the profile.
SELECT 'order after churn' AS problem, c.crm_id, c.churned_at, o.order_id, o.ordered_at
FROM crm_customers c
JOIN ecommerce_orders o ON o.customer_id = c.customer_id
WHERE c.churned_at IS NOT NULL AND o.ordered_at > c.churned_at
UNION ALL
SELECT 'label disagrees with profile', c.crm_id, c.churned_at, NULL, NULL
FROM crm_customers c JOIN crm_churn_labels l ON l.crm_id = c.crm_id
WHERE l.churned <> (c.churned_at IS NOT NULL);
