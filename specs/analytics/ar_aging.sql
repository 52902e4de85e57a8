-- Accounts receivable aging at every month end: the open balance of the invoices issued by
-- then and neither settled nor written off by then, by days past due (QuickBooks, Sage and
-- Xero age by due date): current (not yet due), 1-30, 31-60, 61-90 and 90+. An invoice's
-- open balance at a month end is its total less the payments dated up to that day; its
-- write-off date is the posting date of its write-off journal in the general ledger. Every
-- month from the first invoice's to the last invoice's has all five buckets (zero when
-- empty), so the balance is defined at each month end. A balance, not a flow: the metrics
-- over it take each month's last snapshot, never a sum of months.
{{ config(**marts_config('analytics', 'ar_aging')) }}

with payments as (
    select invoice_id, payment_date_key, cast(amount as double) as amount
    from {{ ref('fct_payments') }}
),
-- A paid invoice leaves the aging on the day of its last payment.
invoices as (
    select
        i.invoice_id,
        i.invoice_date_key,
        i.due_date_key,
        cast(i.total as double) as total,
        case when i.status = 'paid' then s.last_payment end as settled_on
    from {{ ref('fct_invoices') }} as i
    left join (
        select invoice_id, max(payment_date_key) as last_payment
        from payments
        group by invoice_id
    ) as s
        on s.invoice_id = i.invoice_id
),
write_offs as (
    select
        substring(source_id, 4) as invoice_id,
        min(posting_date_key) as written_off_on
    from {{ ref('fct_gl_lines') }}
    where source_type = 'write_off'
    group by substring(source_id, 4)
),
month_ends as (
    select max(d.date_key) as month_end
    from {{ ref('dim_date') }} as d
    cross join (
        select min(invoice_date_key) as first_day, max(invoice_date_key) as last_day
        from invoices
    ) as b
    where d.date_key >= b.first_day
      and d.month_start <= b.last_day
    group by d.month_start
),
buckets as (
    select 'current' as aging_bucket, 0 as bucket_order
    union all select '1-30', 1
    union all select '31-60', 2
    union all select '61-90', 3
    union all select '90+', 4
),
-- Each invoice at each month end between its invoice date and its write-off, with what was
-- paid by then.
open_items as (
    select
        m.month_end,
        i.invoice_id,
        {{ dbt.datediff('i.due_date_key', 'm.month_end', 'day') }} as days_past_due,
        i.total - coalesce(sum(p.amount), 0) as open_balance
    from month_ends as m
    inner join invoices as i
        on i.invoice_date_key <= m.month_end
        and (i.settled_on is null or i.settled_on > m.month_end)
    left join write_offs as w
        on w.invoice_id = i.invoice_id
    left join payments as p
        on p.invoice_id = i.invoice_id
        and p.payment_date_key <= m.month_end
    where w.written_off_on is null or w.written_off_on > m.month_end
    group by m.month_end, i.invoice_id, i.due_date_key, i.total
),
aged as (
    select
        month_end,
        case
            when days_past_due <= 0 then 'current'
            when days_past_due <= 30 then '1-30'
            when days_past_due <= 60 then '31-60'
            when days_past_due <= 90 then '61-90'
            else '90+'
        end as aging_bucket,
        open_balance
    from open_items
    where open_balance > 0.005
)
select
    m.month_end,
    b.aging_bucket,
    cast(b.bucket_order as integer) as bucket_order,
    cast(coalesce(sum(a.open_balance), 0) as decimal(18, 2)) as open_balance,
    cast(count(a.open_balance) as bigint) as open_invoices
from month_ends as m
cross join buckets as b
left join aged as a
    on a.month_end = m.month_end
    and a.aging_bucket = b.aging_bucket
group by m.month_end, b.aging_bucket, b.bucket_order
