-- S1: a warehouse's received units and inbound shipments are the sums and counts over the
-- movements and shipments that reference it (rollups over referencing rows).
WITH m AS (SELECT warehouse_id, sum(quantity) AS units FROM supply_inventory_movements GROUP BY 1),
     s AS (SELECT warehouse_id, count(*) AS n FROM supply_shipments GROUP BY 1)
SELECT w.warehouse_id, w.inbound_units, m.units, w.inbound_shipments, s.n
FROM supply_warehouses w LEFT JOIN m USING (warehouse_id) LEFT JOIN s USING (warehouse_id)
WHERE w.inbound_units <> coalesce(m.units, 0) OR w.inbound_shipments <> coalesce(s.n, 0);
