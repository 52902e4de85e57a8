-- X1 (W, all domains): nothing is dated after the 2026-12-31 snapshot the churn labels are taken
-- at — no order, shipment, delivery, return, refund, invoice, payment, credit note, expense,
-- journal line, campaign day, lead stage, session, event, interaction, ticket or segment version.
SELECT 'ecommerce.customers' AS tbl, customer_id AS id, created_at AS ts FROM ecommerce_customers WHERE created_at >= TIMESTAMP '2027-01-01'
UNION ALL SELECT 'ecommerce.orders', order_id, greatest(ordered_at, shipped_at, delivered_at) FROM ecommerce_orders
  WHERE greatest(ordered_at, shipped_at, delivered_at) >= TIMESTAMP '2027-01-01'
UNION ALL SELECT 'ecommerce.returns', return_id, greatest(requested_at, refunded_at) FROM ecommerce_returns
  WHERE greatest(requested_at, refunded_at) >= TIMESTAMP '2027-01-01'
UNION ALL SELECT 'finance.invoices', invoice_id, CAST(invoice_date AS TIMESTAMP) FROM finance_invoices WHERE invoice_date > DATE '2026-12-31'
UNION ALL SELECT 'finance.payments', payment_id, CAST(payment_date AS TIMESTAMP) FROM finance_payments WHERE payment_date > DATE '2026-12-31'
UNION ALL SELECT 'finance.credit_notes', credit_note_id, CAST(credit_date AS TIMESTAMP) FROM finance_credit_notes WHERE credit_date > DATE '2026-12-31'
UNION ALL SELECT 'finance.expenses', expense_id, CAST(expense_date AS TIMESTAMP) FROM finance_expenses WHERE expense_date > DATE '2026-12-31'
UNION ALL SELECT 'finance.gl_transactions', gl_line_id, CAST(posting_date AS TIMESTAMP) FROM finance_gl_transactions WHERE posting_date > DATE '2026-12-31'
UNION ALL SELECT 'marketing.campaigns', campaign_id, CAST(end_date AS TIMESTAMP) FROM marketing_campaigns WHERE end_date > DATE '2026-12-31'
UNION ALL SELECT 'marketing.leads', lead_id, greatest(created_at, mql_at, sql_at, opp_at, customer_at) FROM marketing_leads
  WHERE greatest(created_at, mql_at, sql_at, opp_at, customer_at) >= TIMESTAMP '2027-01-01'
UNION ALL SELECT 'web.sessions', session_key, ended_at FROM web_sessions WHERE ended_at >= TIMESTAMP '2027-01-01'
UNION ALL SELECT 'web.events', event_id, event_timestamp FROM web_events WHERE event_timestamp >= TIMESTAMP '2027-01-01'
UNION ALL SELECT 'crm.interactions', interaction_id, occurred_at FROM crm_interactions WHERE occurred_at >= TIMESTAMP '2027-01-01'
UNION ALL SELECT 'crm.support_tickets', ticket_id, greatest(created_at, first_response_at, resolved_at, closed_at) FROM crm_support_tickets
  WHERE greatest(created_at, first_response_at, resolved_at, closed_at) >= TIMESTAMP '2027-01-01'
UNION ALL SELECT 'crm.customer_segments', crm_id, valid_from FROM crm_customer_segments
  WHERE valid_from >= TIMESTAMP '2027-01-01' OR valid_to >= TIMESTAMP '2027-01-01'
UNION ALL SELECT 'crm.customers', crm_id, churned_at FROM crm_customers WHERE churned_at >= TIMESTAMP '2027-01-01';
