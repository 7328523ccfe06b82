-- Activation rate by group over time for one area at a chosen frequency, plus its published averages.
-- A quarter's or year's rate is activated over persons summed over its months (a ratio of sums).
with rows as (
    select a.group_name, a.period, p.period_type, p.label as period_label, p.start_date, a.persons,
           a.activated, a.activation_rate, a.source
    from activation a
    join periods p using (period)
    where a.area_code = $area
      and (p.period_type = 'RANGE' or a.period between $from and $to)
)
select group_name, period_type, period_label,
       case when period_type = 'RANGE' then start_date else date_trunc($unit, start_date) end as start_date,
       sum(persons) as persons, sum(activated) as activated,
       coalesce(100.0 * sum(activated) / nullif(sum(persons), 0), avg(activation_rate)) as activation_rate,
       any_value(source) as source
from rows
group by all
order by group_name, start_date
