-- C5 (CD): a ticket about an order concerns an order of the ticket's own customer, and is
-- created after the order was placed.
SELECT t.ticket_id, t.crm_id, c.customer_id AS crm_customer, o.order_id, o.customer_id AS order_customer,
       o.ordered_at, t.created_at
FROM crm_support_tickets t
JOIN crm_customers c ON c.crm_id = t.crm_id
LEFT JOIN ecommerce_orders o ON o.order_id = t.order_id
WHERE t.order_id IS NOT NULL
  AND (o.order_id IS NULL OR o.customer_id <> c.customer_id OR t.created_at < o.ordered_at);
