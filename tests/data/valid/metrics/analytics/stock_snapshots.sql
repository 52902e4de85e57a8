-- Units ordered to date per product category at every month end (a periodic snapshot).
select cast(null as date) as month_end, cast(null as varchar) as category, cast(0 as double) as units_to_date
