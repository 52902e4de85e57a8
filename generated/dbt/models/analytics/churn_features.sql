-- Copied by lab from the specs' analytics/churn_features.sql; do not edit.
-- Churn features as of two cutoff dates: the training cutoff (var churn_cutoff minus the
-- horizon) and the scoring cutoff (var churn_cutoff, default 2026-06-30). A row per customer
-- active at the cutoff: at least one order that was not cancelled before it, and not churned by
-- it. Every feature reads only rows dated before the cutoff (orders, support tickets, the
-- registration); last_seen_at is the latest of them. The label is whether the CRM deems the
-- customer churned in the horizon after the cutoff (var churn_horizon_days, default 90): the
-- training rows' labels are known at the scoring cutoff, so nothing after it is learnt from.
{{ config(materialized='table') }}

{%- set cutoff = "cast('" ~ var('churn_cutoff', '2026-06-30') ~ "' as date)" %}
{%- set horizon = var('churn_horizon_days', 90) %}

with cutoffs as (
    select 'train' as role, cast({{ dbt.dateadd('day', -1 * horizon, cutoff) }} as date) as cutoff_date
    union all
    select 'test' as role, {{ cutoff }} as cutoff_date
),
cutoff_times as (
    select role, cutoff_date, cast(cutoff_date as timestamp) as cutoff_at from cutoffs
),
orders as (
    select customer_id, ordered_at, cast(total as double) as total
    from {{ ref('int_ecommerce__orders') }}
    where not is_cancelled and customer_id is not null
),
crm as (
    select customer_id, min(churned_at) as churned_at
    from {{ ref('int_crm__customers') }}
    where customer_id is not null
    group by customer_id
),
order_features as (
    select
        c.role, c.cutoff_date, c.cutoff_at, o.customer_id,
        min(o.ordered_at) as first_order_at,
        max(o.ordered_at) as last_order_at,
        count(*) as frequency,
        sum(o.total) as monetary,
        sum(case when o.ordered_at >= {{ dbt.dateadd('day', -90, 'c.cutoff_at') }} then 1 else 0 end) as orders_90d
    from cutoff_times as c
    join orders as o on o.ordered_at < c.cutoff_at
    group by c.role, c.cutoff_date, c.cutoff_at, o.customer_id
),
ticket_features as (
    select c.role, k.customer_id, count(*) as tickets, max(t.created_at) as last_ticket_at
    from cutoff_times as c
    join {{ ref('int_crm__support_tickets') }} as t on t.created_at < c.cutoff_at
    join {{ ref('int_crm__customers') }} as k on k.crm_id = t.crm_id
    where k.customer_id is not null
    group by c.role, k.customer_id
),
registered as (
    select customer_id, min(created_at) as created_at
    from {{ ref('int_ecommerce__customers') }}
    group by customer_id
)
select
    f.customer_id,
    f.role,
    f.cutoff_date,
    cast({{ dbt.datediff('f.last_order_at', 'f.cutoff_at', 'day') }} as double) as recency_days,
    cast(f.frequency as double) as frequency,
    cast(f.monetary as double) as monetary,
    cast(f.monetary / f.frequency as double) as avg_order_value,
    cast(f.orders_90d as double) as orders_90d,
    cast({{ dbt.datediff('coalesce(r.created_at, f.first_order_at)', 'f.cutoff_at', 'day') }} as double) as tenure_days,
    cast(coalesce(t.tickets, 0) as double) as tickets,
    case
        when t.last_ticket_at is not null and t.last_ticket_at > f.last_order_at then t.last_ticket_at
        else f.last_order_at
    end as last_seen_at,
    coalesce(
        k.churned_at >= f.cutoff_at and k.churned_at < {{ dbt.dateadd('day', horizon, 'f.cutoff_at') }},
        false
    ) as label
from order_features as f
left join ticket_features as t on t.role = f.role and t.customer_id = f.customer_id
left join registered as r on r.customer_id = f.customer_id
left join crm as k on k.customer_id = f.customer_id
where k.churned_at is null or k.churned_at >= f.cutoff_at
