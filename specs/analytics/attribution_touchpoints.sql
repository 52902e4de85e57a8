-- The paths of attribution: for every order that was not cancelled, the sessions of the same
-- customer that started in the lookback window before it (var attribution_lookback_days,
-- default 30), each with its channel (the traffic source's default channel group) and campaign.
-- A path is the non-direct touches; an order reached only directly keeps its last direct touch,
-- and an order without any session in the window gets one touch of channel 'Unattributed', so
-- every order is credited exactly once per model. Read from silver, which keeps the times of day.
{{ config(materialized='table') }}

with orders as (
    select order_id, customer_id, ordered_at, cast(total as double) as revenue
    from {{ ref('int_ecommerce__orders') }}
    where not is_cancelled and customer_id is not null
),
sessions as (
    select
        s.session_key,
        s.user_id as customer_id,
        s.started_at,
        s.campaign_id,
        coalesce(t.channel_group, 'Unknown') as channel,
        coalesce(t.utm_medium = '(none)', false) as is_direct
    from {{ ref('int_web__sessions') }} as s
    left join {{ ref('int_web__traffic_sources') }} as t on t.source_medium = s.source_medium
    where s.user_id is not null
),
candidates as (
    select
        o.order_id, o.customer_id, o.ordered_at, o.revenue,
        s.session_key, s.started_at as touch_at, s.channel, s.campaign_id, s.is_direct
    from orders as o
    join sessions as s
        on s.customer_id = o.customer_id
        and s.started_at <= o.ordered_at
        and s.started_at > {{ dbt.dateadd('day', -1 * var('attribution_lookback_days', 30), 'o.ordered_at') }}
),
ranked as (
    select
        c.*,
        sum(case when c.is_direct then 0 else 1 end) over (partition by c.order_id) as non_direct,
        row_number() over (partition by c.order_id order by c.touch_at desc, c.session_key desc) as from_last
    from candidates as c
),
path as (
    select order_id, customer_id, ordered_at, revenue, session_key, touch_at, channel, campaign_id
    from ranked
    where not is_direct or (non_direct = 0 and from_last = 1)
    union all
    select o.order_id, o.customer_id, o.ordered_at, o.revenue, cast(null as {{ dbt.type_string() }}) as session_key,
        o.ordered_at as touch_at, 'Unattributed' as channel, cast(null as {{ dbt.type_string() }}) as campaign_id
    from orders as o
    where not exists (select 1 from candidates as c where c.order_id = o.order_id)
)
select
    order_id,
    customer_id,
    ordered_at,
    revenue,
    session_key,
    touch_at,
    channel,
    campaign_id,
    row_number() over (partition by order_id order by touch_at, session_key) as touch_no,
    count(*) over (partition by order_id) as touches,
    cast({{ dbt.datediff('touch_at', 'ordered_at', 'second') }} as double) / 86400.0 as days_before
from path
