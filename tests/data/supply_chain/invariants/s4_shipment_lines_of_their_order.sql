-- S4: the shipments of an order deliver each of its lines exactly once, to the order's
-- warehouse, with the lane's carrier.
WITH d AS (
  SELECT s.po_id AS ship_po, x.po_id AS line_po, x.line_no
  FROM supply_shipment_lines x JOIN supply_shipments s USING (shipment_id)
)
SELECT 'line of another order' AS what, ship_po AS id FROM d WHERE line_po IS DISTINCT FROM ship_po
UNION ALL
SELECT 'line delivered twice', line_po FROM d GROUP BY line_po, line_no HAVING count(*) > 1
UNION ALL
SELECT 'line never delivered', l.po_id FROM supply_po_lines l
  LEFT JOIN d ON d.line_po = l.po_id AND d.line_no = l.line_no WHERE d.line_po IS NULL
UNION ALL
SELECT 'wrong warehouse or carrier', s.shipment_id FROM supply_shipments s
  JOIN supply_purchase_orders o USING (po_id) JOIN supply_lanes l USING (lane_id)
  WHERE s.warehouse_id <> o.warehouse_id OR s.carrier_id <> l.carrier_id;
