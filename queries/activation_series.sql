-- Activation rate by group over time for one area (monthly series) and its published averages.
select a.group_name, a.period, p.period_type, p.label as period_label, p.start_date, p.end_date,
       a.persons, a.activated, a.activation_rate, a.suppressed, a.source
from activation a
join periods p using (period)
where a.area_code = $area
  and (p.period_type = 'RANGE' or a.period between $from and $to)
order by a.group_name, p.start_date
