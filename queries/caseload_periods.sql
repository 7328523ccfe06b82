-- Periods with caseload data for one area, newest first.
select distinct c.period, p.label, p.start_date
from caseloads c
join periods p using (period)
where c.area_code = $area
order by p.start_date desc, c.period desc
