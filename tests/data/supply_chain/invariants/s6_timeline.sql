-- S6: promised within the supplier's lead time; picked up within it; delivered within the
-- mode's transit; put away after delivery.
SELECT 'promise' AS what, o.po_id AS id FROM supply_purchase_orders o JOIN supply_suppliers p USING (supplier_id)
  WHERE o.promised_at < CAST(o.ordered_at AS DATE) + 1 OR o.promised_at > CAST(o.ordered_at AS DATE) + p.lead_time_days + 1
UNION ALL
SELECT 'pickup', s.shipment_id FROM supply_shipments s JOIN supply_purchase_orders o USING (po_id) JOIN supply_suppliers p USING (supplier_id)
  WHERE s.shipped_at < o.ordered_at + INTERVAL 1 DAY OR s.shipped_at > o.ordered_at + p.lead_time_days * INTERVAL 1 DAY
UNION ALL
SELECT 'transit', s.shipment_id FROM supply_shipments s JOIN supply_lanes l USING (lane_id) JOIN supply_modes m USING (mode)
  WHERE s.delivered_at < s.shipped_at + INTERVAL 1 DAY OR s.delivered_at > s.shipped_at + (m.base_days + 2) * INTERVAL 1 DAY
UNION ALL
SELECT 'put-away', v.movement_id FROM supply_inventory_movements v JOIN supply_shipments s USING (shipment_id)
  WHERE v.moved_at < s.delivered_at + INTERVAL 10 MINUTE OR v.moved_at > s.delivered_at + INTERVAL 8 HOUR;
