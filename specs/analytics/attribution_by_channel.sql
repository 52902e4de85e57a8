-- Orders and revenue credited to each channel by each attribution model (the sums of
-- attribution_credits): per model, orders_credited sums to the orders and revenue_credited to
-- their revenue.
{{ config(**marts_config('analytics', 'attribution_by_channel')) }}

select
    model,
    channel,
    cast(sum(credit) as double) as orders_credited,
    cast(sum(revenue_credit) as double) as revenue_credited
from {{ ref('attribution_credits') }}
group by model, channel
