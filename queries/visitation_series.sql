-- Recipients by category and month for chosen areas, one measure and age band. Reads the monthly aggregate the
-- loader keeps; quarters and years are made from these months in Python (queries/over_time.py: the mean of the
-- months, eras kept apart). demo: a month of the synthetic demo ($demo_source), never drawn in one line with real ones.
-- A month's value is the sum of its published cells; has_suppressed says some were not.
select v.area_code, a.area_name as area, v.category, v.category_label, v.category_order, v.start_date,
       sum(v.value)::double as value, bool_or(v.suppressed) as has_suppressed,
       bool_or(v.source = $demo_source) as demo
from agg_visitation v
join areas a using (area_code)
where v.area_code in (select unnest($areas))
  and v.measure = $measure
  and ($age = 'alle' or v.age_band = $age)
  and v.period_type = 'M'
  and v.period between $from and $to
group by all
order by area, v.start_date, v.category_order
