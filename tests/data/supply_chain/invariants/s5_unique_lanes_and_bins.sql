-- S5: a carrier offers each mode once; a movement's bin is in its warehouse.
SELECT 'lane' AS what, carrier_id || '/' || mode AS id FROM supply_lanes GROUP BY carrier_id, mode HAVING count(*) > 1
UNION ALL
SELECT 'bin', movement_id FROM supply_inventory_movements WHERE bin_warehouse_id <> warehouse_id;
