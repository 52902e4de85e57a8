-- E2 (PC): an order is placed no earlier than its customer's registration, and every product
-- on it was launched by then.
SELECT 'before customer registration' AS problem, o.order_id, o.ordered_at, c.created_at AS other_ts
FROM ecommerce_orders o
JOIN ecommerce_customers c ON c.customer_id = o.customer_id
WHERE o.ordered_at < c.created_at
UNION ALL
SELECT 'product not launched yet', o.order_id, o.ordered_at, CAST(p.launched_at AS TIMESTAMP)
FROM ecommerce_order_items i
JOIN ecommerce_orders o ON o.order_id = i.order_id
JOIN ecommerce_products p ON p.product_id = i.product_id
WHERE CAST(p.launched_at AS TIMESTAMP) > o.ordered_at;
