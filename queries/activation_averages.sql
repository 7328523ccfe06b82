-- The averages over longer periods a source publishes for one area (e.g. Copenhagen, January 2007 - July 2008).
select a.group_name, p.label as period_label, a.activation_rate::double as activation_rate, a.source
from activation a
join periods p using (period)
where a.area_code = $area
  and p.period_type = 'RANGE'
order by a.group_name
