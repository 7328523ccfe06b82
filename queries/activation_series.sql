-- Activation by group and month for chosen areas: persons, activated and the rate a source states. Quarters and
-- years are made from these months in Python (queries/over_time.py: a ratio of sums, eras kept apart).
-- Plain BIGINT and DOUBLE: a DECIMAL or HUGEINT would reach the charts and the exports, which cannot write them.
select a.area_code, ar.area_name as area, a.group_name, p.start_date,
       sum(a.persons)::bigint as persons, sum(a.activated)::bigint as activated,
       -- A month's stated rate, used only where its counts are not given.
       any_value(a.activation_rate)::double as activation_rate,
       any_value(a.source) as source
from activation a
join periods p using (period)
join areas ar on ar.area_code = a.area_code
where a.area_code in (select unnest($areas))
  and p.period_type = 'M'
  and a.period between $from and $to
group by all
order by a.area_code, a.group_name, p.start_date
