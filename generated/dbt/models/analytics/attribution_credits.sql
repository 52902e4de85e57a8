-- Copied by lab from the specs' analytics/attribution_credits.sql; do not edit.
-- The credit each attribution model gives each order's touches, summed per order, channel and
-- campaign: first click and last click (all to the first / last touch), linear (1/n each), time
-- decay (2^(-days before the order / half-life), var attribution_half_life_days, default 7,
-- normalised per order) and position-based (40 % each to the first and last touch, 20 % split
-- over the middle; 50/50 with two touches, all with one). Per model an order's credits sum to 1
-- and its revenue credits to the order's total.
{{ config(**marts_config('analytics', 'attribution_credits')) }}

with touches as (
    select
        t.*,
        power(cast(2 as double), -1 * t.days_before / {{ var('attribution_half_life_days', 7) }}) as decay
    from {{ ref('attribution_touchpoints') }} as t
),
weighted as (
    select order_id, revenue, channel, campaign_id, 'first_click' as model,
        cast(case when touch_no = 1 then 1 else 0 end as double) as credit
    from touches
    union all
    select order_id, revenue, channel, campaign_id, 'last_click' as model,
        cast(case when touch_no = touches then 1 else 0 end as double) as credit
    from touches
    union all
    select order_id, revenue, channel, campaign_id, 'linear' as model,
        1 / cast(touches as double) as credit
    from touches
    union all
    select order_id, revenue, channel, campaign_id, 'time_decay' as model,
        decay / sum(decay) over (partition by order_id) as credit
    from touches
    union all
    select order_id, revenue, channel, campaign_id, 'position_based' as model,
        case
            when touches = 1 then cast(1 as double)
            when touches = 2 then cast(0.5 as double)
            when touch_no = 1 or touch_no = touches then cast(0.4 as double)
            else cast(0.2 as double) / (touches - 2)
        end as credit
    from touches
)
select
    order_id,
    model,
    channel,
    campaign_id,
    cast(sum(credit) as double) as credit,
    cast(sum(credit * revenue) as double) as revenue_credit
from weighted
where credit > 0
group by order_id, model, channel, campaign_id
