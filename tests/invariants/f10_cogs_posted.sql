-- F10 (CD): every invoice's journal posts the cost of the goods sold — DR product cost (5010)
-- and CR inventory (1200) for Σ quantity × unit cost of its lines (±0.01) — and the stock sold
-- is replenished at the same cost (a purchase journal, DR inventory 1200, CR cash 1010).
WITH cost AS (SELECT invoice_id, sum(quantity * unit_cost) AS cost FROM finance_invoice_lines GROUP BY invoice_id),
j AS (
  SELECT source_id,
         coalesce(sum(debit) FILTER (WHERE account_id = 5010 AND source_type = 'invoice'), 0) AS cogs_debit,
         coalesce(sum(credit) FILTER (WHERE account_id = 1200 AND source_type = 'invoice'), 0) AS inventory_credit
  FROM finance_gl_transactions WHERE source_type = 'invoice' GROUP BY source_id
),
po AS (
  SELECT invoice_id, coalesce(sum(debit) FILTER (WHERE account_id = 1200), 0) AS restock
  FROM finance_gl_transactions WHERE source_type = 'purchase' GROUP BY invoice_id
)
SELECT i.invoice_id, cost.cost, j.cogs_debit, j.inventory_credit, po.restock
FROM finance_invoices i
JOIN cost ON cost.invoice_id = i.invoice_id
LEFT JOIN j ON j.source_id = i.invoice_id
LEFT JOIN po ON po.invoice_id = i.invoice_id
WHERE abs(coalesce(j.cogs_debit, 0) - cost.cost) > 0.01
   OR abs(coalesce(j.inventory_credit, 0) - cost.cost) > 0.01
   OR abs(coalesce(po.restock, 0) - cost.cost) > 0.01;
