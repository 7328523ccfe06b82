-- Rolling years (QMAT) with benchmark figures for one benefit group, newest first.
with rows as (
    select distinct period, start_date, end_date from benchmark where benefit_group = $group
)
select r.period, p.label, r.start_date, r.end_date
from rows r
join periods p using (period)
order by r.end_date desc, r.period desc
