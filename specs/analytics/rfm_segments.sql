-- RFM segmentation of every customer with an order that was not cancelled, as of the day after
-- the latest order in the data: recency (days since the latest order), frequency (orders) and
-- monetary value (their totals), each scored 1–5 by rank among customers (ties share a score;
-- 5 is the most recent, most frequent, most valuable), and a segment named from the scores.
{{ config(**marts_config('analytics', 'rfm_segments')) }}

with orders as (
    select customer_key as customer_id, order_date_key, cast(total as double) as total
    from {{ ref('fct_orders') }}
    where not is_cancelled and customer_key is not null
),
as_of as (
    select {{ dbt.dateadd('day', 1, 'max(order_date_key)') }} as as_of_date from orders
),
customers as (
    select
        o.customer_id,
        cast({{ dbt.datediff('max(o.order_date_key)', 'max(a.as_of_date)', 'day') }} as integer) as recency_days,
        cast(count(*) as integer) as frequency,
        cast(sum(o.total) as double) as monetary
    from orders as o
    cross join as_of as a
    group by o.customer_id
),
ranked as (
    select
        c.*,
        rank() over (order by recency_days desc) as r_rank,
        rank() over (order by frequency) as f_rank,
        rank() over (order by monetary) as m_rank,
        count(*) over () as n
    from customers as c
),
scored as (
    select
        customer_id, recency_days, frequency, monetary,
        cast(1 + floor(5.0 * (r_rank - 1) / n) as integer) as r_score,
        cast(1 + floor(5.0 * (f_rank - 1) / n) as integer) as f_score,
        cast(1 + floor(5.0 * (m_rank - 1) / n) as integer) as m_score
    from ranked
)
select
    customer_id, recency_days, frequency, monetary, r_score, f_score, m_score,
    case
        when r_score >= 4 and f_score >= 4 then 'champions'
        when f_score >= 4 then 'loyal'
        when r_score >= 4 and frequency = 1 then 'new'
        when r_score >= 3 and m_score >= 3 then 'potential_loyalist'
        when r_score <= 2 and (f_score >= 3 or m_score >= 4) then 'at_risk'
        when r_score <= 2 then 'hibernating'
        else 'need_attention'
    end as segment
from scored
