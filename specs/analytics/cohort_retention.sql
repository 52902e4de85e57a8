-- Cohort retention: customers grouped by the month of their first order not cancelled (the
-- cohort); for every later month up to the last month with orders, how many of the cohort
-- ordered again in that month (months_since = 1 is the month after the first). One row per
-- cohort and month since, zero where nobody of the cohort ordered; cohort_customers is the
-- cohort's size on every row, so retention = retained_customers / cohort_customers.
{{ config(**marts_config('analytics', 'cohort_retention')) }}

with orders as (
    select distinct
        customer_key,
        cast({{ dbt.date_trunc('month', 'order_date_key') }} as date) as order_month
    from {{ ref('fct_orders') }}
    where not is_cancelled and customer_key is not null
),
firsts as (
    select customer_key, min(order_month) as cohort_month
    from orders
    group by customer_key
),
cohorts as (
    select cohort_month, count(*) as cohort_customers
    from firsts
    group by cohort_month
),
months as (
    select distinct order_month from orders
),
retained as (
    select f.cohort_month, o.order_month, count(*) as retained_customers
    from orders as o
    inner join firsts as f
        on f.customer_key = o.customer_key
    where o.order_month > f.cohort_month
    group by f.cohort_month, o.order_month
)
select
    c.cohort_month,
    cast({{ dbt.datediff('c.cohort_month', 'm.order_month', 'month') }} as integer) as months_since,
    m.order_month,
    cast(c.cohort_customers as bigint) as cohort_customers,
    cast(coalesce(r.retained_customers, 0) as bigint) as retained_customers
from cohorts as c
inner join months as m
    on m.order_month > c.cohort_month
left join retained as r
    on r.cohort_month = c.cohort_month
    and r.order_month = m.order_month
