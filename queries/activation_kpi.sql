-- Activation rate for all recipients in one area and the country, this month and a year earlier.
with months as (
    select $period as period, 'nu' as which
    union all
    select strftime(cast(strptime($period, '%YM%m') as date) - interval 12 month, '%YM%m'), 'året før'
)
select m.which, a.area_code, a.group_name, a.persons, a.activated, a.activation_rate
from activation a
join months m on m.period = a.period
where a.area_code in ($area, '000')
  and a.group_name = 'Alle modtagere'
