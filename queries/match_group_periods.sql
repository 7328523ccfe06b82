-- Periods with shared-citizen data for one area, newest first.
select distinct m.period, p.label, p.start_date
from match_groups m
join periods p using (period)
where m.area_code = $area
order by p.start_date desc
