-- E6 (CD): every non-cancelled order has exactly one invoice, with the same total and
-- currency; cancelled orders have none. The ERP sales order links the two.
WITH inv AS (
  SELECT order_id, count(*) AS n, min(total) AS total, min(currency) AS currency, min(erp_order_no) AS erp_order_no
  FROM finance_invoices GROUP BY order_id
)
SELECT o.order_id, o.status, o.total, o.currency, inv.n, inv.total AS invoice_total, inv.currency AS invoice_currency, f.order_id AS erp_order_of
FROM ecommerce_orders o
LEFT JOIN inv ON inv.order_id = o.order_id
LEFT JOIN finance_orders f ON f.erp_order_no = inv.erp_order_no
WHERE (o.status = 'cancelled' AND inv.n IS NOT NULL)
   OR (o.status <> 'cancelled' AND (inv.n IS NULL OR inv.n <> 1
       OR abs(inv.total - o.total) > 0.01 OR inv.currency <> o.currency
       OR f.order_id IS DISTINCT FROM o.order_id));
