-- F7 (PC): a payment is never dated before its invoice, and due_date = invoice_date + terms.
SELECT 'payment before invoice' AS problem, p.payment_id AS id, i.invoice_date, p.payment_date AS other_date
FROM finance_payments p
JOIN finance_invoices i ON i.invoice_id = p.invoice_id
WHERE p.payment_date < i.invoice_date
UNION ALL
SELECT 'due date is not invoice date + terms', invoice_id, invoice_date, due_date
FROM finance_invoices
WHERE due_date <> invoice_date + CAST(terms_days AS INTEGER);
