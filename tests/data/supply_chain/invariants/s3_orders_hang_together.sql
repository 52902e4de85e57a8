-- S3: an order goes to a warehouse in its supplier's country, totals its lines and counts the
-- shipments delivering it (one to three).
WITH l AS (SELECT po_id, count(*) n, sum(line_total) t FROM supply_po_lines GROUP BY 1),
     s AS (SELECT po_id, count(*) n FROM supply_shipments GROUP BY 1)
SELECT o.po_id
FROM supply_purchase_orders o
JOIN supply_suppliers p USING (supplier_id)
JOIN supply_warehouses w ON w.warehouse_id = o.warehouse_id
LEFT JOIN l USING (po_id) LEFT JOIN s USING (po_id)
WHERE w.country <> p.country
   OR o.line_count <> coalesce(l.n, 0) OR o.total <> coalesce(l.t, 0)
   OR o.shipment_count <> coalesce(s.n, 0) OR o.shipment_count NOT BETWEEN 1 AND 3;
