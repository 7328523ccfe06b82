-- Activation rate for all recipients in one area and the country, this month and a year earlier.
with months as (
    select $period as period, 'current' as which
    union all
    select strftime(cast(strptime($period, '%YM%m') as date) - interval 12 month, '%YM%m'), 'year_before'
)
select m.which, a.area_code, a.group_name, a.persons, a.activated, a.activation_rate
from activation a
join months m on m.period = a.period
where a.area_code in ($area, $national)
  and a.group_name = 'Alle modtagere'
