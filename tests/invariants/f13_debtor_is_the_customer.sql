-- F13 (CD): the ERP knows a shop customer only as a debtor: one debtor per customer who ordered,
-- linked by its external reference, and every sales order and invoice names the debtor of the
-- customer who placed the web-shop order.
SELECT 'invoice billed to another customer' AS problem, i.invoice_id AS id, d.external_ref AS billed, o.customer_id AS ordered
FROM finance_invoices i
JOIN finance_debtors d ON d.debtor_no = i.debtor_no
JOIN ecommerce_orders o ON o.order_id = i.order_id
WHERE d.external_ref IS DISTINCT FROM o.customer_id
UNION ALL
SELECT 'sales order of another customer', s.erp_order_no, d.external_ref, o.customer_id
FROM finance_orders s
JOIN finance_debtors d ON d.debtor_no = s.debtor_no
JOIN ecommerce_orders o ON o.order_id = s.order_id
WHERE d.external_ref IS DISTINCT FROM o.customer_id
UNION ALL
SELECT 'document without a debtor', coalesce(i.invoice_id, 'null'), NULL, NULL
FROM finance_invoices i LEFT JOIN finance_debtors d ON d.debtor_no = i.debtor_no
WHERE d.debtor_no IS NULL
UNION ALL
SELECT 'customers with orders and debtors differ', CAST(count(*) AS VARCHAR), NULL, NULL
FROM (SELECT customer_id AS c FROM ecommerce_customers WHERE order_count > 0) x
FULL JOIN finance_debtors d ON d.external_ref = x.c
WHERE x.c IS NULL OR d.debtor_no IS NULL
HAVING count(*) > 0;
