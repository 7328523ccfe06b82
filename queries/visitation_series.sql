-- Recipients by category over time for chosen areas, one measure and age band, at a chosen frequency.
-- Reads the monthly aggregate the loader keeps. Quarters and years are the average of their months,
-- as jobindsats publishes stocks.
with monthly as (
    select area_code, period, start_date, era, category, category_label, category_order,
           sum(value) as value, bool_or(suppressed) as has_suppressed
    from agg_visitation
    where area_code in (select unnest($areas))
      and measure = $measure
      and ($age = 'alle' or age_band = $age)
      and period_type = 'M'
      and period between $from and $to
    group by all
)
select
    m.area_code, a.area_name as area, m.era, m.category, m.category_label, m.category_order,
    date_trunc($unit, m.start_date) as start_date,
    avg(m.value) as value,
    bool_or(m.has_suppressed) as has_suppressed
from monthly m
join areas a using (area_code)
group by all
order by area, start_date, category_order
