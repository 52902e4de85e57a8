-- S7: a return sends back lines of the shipment it references (nth_child through a
-- reference), each at most once and not in the shipment's order (shuffled), never more units
-- than delivered, after delivery.
SELECT 'line of another shipment' AS what, r.return_id AS id
  FROM supply_return_lines x JOIN supply_vendor_returns r USING (return_id)
  WHERE x.shipment_id <> r.shipment_id
UNION ALL
SELECT 'line twice', return_id FROM supply_return_lines GROUP BY return_id, shipment_id, unload_seq HAVING count(*) > 1
UNION ALL
SELECT 'more than delivered', x.return_id FROM supply_return_lines x
  JOIN supply_shipment_lines l USING (shipment_id, unload_seq) WHERE x.quantity > l.quantity OR x.quantity < 1
UNION ALL
SELECT 'before delivery', r.return_id FROM supply_vendor_returns r JOIN supply_shipments s USING (shipment_id)
  WHERE r.returned_at < s.delivered_at + INTERVAL 1 DAY OR r.returned_at > s.delivered_at + INTERVAL 14 DAY
UNION ALL
SELECT 'line count', r.return_id FROM supply_vendor_returns r
  LEFT JOIN (SELECT return_id, count(*) n FROM supply_return_lines GROUP BY 1) c USING (return_id)
  WHERE r.line_count <> coalesce(c.n, 0) OR r.line_count < 1
UNION ALL
SELECT 'never shuffled', NULL FROM (SELECT count(*) FILTER (WHERE seq <> unload_seq) AS moved, count(*) AS n FROM supply_return_lines)
  WHERE n >= 100 AND moved = 0;
