-- S2: carriers count their shipments, suppliers their purchase orders and order value,
-- products their ordered units and smallest line (null when never ordered).
SELECT 'carrier' AS what, c.carrier_id AS id FROM supply_carriers c
  LEFT JOIN (SELECT carrier_id, count(*) n FROM supply_shipments GROUP BY 1) s USING (carrier_id)
  WHERE c.shipments <> coalesce(s.n, 0)
UNION ALL
SELECT 'supplier', p.supplier_id FROM supply_suppliers p
  LEFT JOIN (SELECT supplier_id, count(*) n, sum(total) v FROM supply_purchase_orders GROUP BY 1) o USING (supplier_id)
  WHERE p.po_count <> coalesce(o.n, 0) OR p.po_value <> coalesce(o.v, 0)
UNION ALL
SELECT 'product', p.sku FROM supply_products p
  LEFT JOIN (SELECT sku, sum(quantity) u, min(quantity) q FROM supply_po_lines GROUP BY 1) l USING (sku)
  WHERE p.units_ordered <> coalesce(l.u, 0) OR p.first_ordered_qty IS DISTINCT FROM l.q;
