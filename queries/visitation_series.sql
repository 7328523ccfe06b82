-- Recipients by category over time for chosen areas, one measure and age band, at a chosen frequency.
-- Quarters and years are the average of their months, as jobindsats publishes stocks.
with detail as (
    select * from visitation_detail
),
monthly as (
    select area_code, area, period, start_date, era, category, category_label, category_order,
           sum(value) as value, bool_or(suppressed) as has_suppressed
    from detail
    where area_code in (select unnest($areas))
      and measure = $measure
      and ($age = 'alle' or age_band = $age)
      and period_type = 'M'
      and period between $from and $to
    group by all
)
select
    area_code, area, era, category, category_label, category_order,
    date_trunc($unit, start_date) as start_date,
    avg(value) as value,
    bool_or(has_suppressed) as has_suppressed
from monthly
group by all
order by area, start_date, category_order
