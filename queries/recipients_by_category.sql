-- Recipients by visitation category for one area and one month, with the same month a year earlier.
with detail as (
    select * from visitation_detail
),
months as (
    select $period as period, 'nu' as which
    union all
    select strftime(cast(strptime($period, '%YM%m') as date) - interval 12 month, '%YM%m'), 'året før'
)
select
    m.which,
    d.area_code,
    d.category,
    d.category_label,
    d.ready,
    d.category_order,
    sum(d.value) as persons,
    count(*) filter (where d.suppressed) as suppressed_cells
from detail d
join months m on m.period = d.period
where d.area_code in ($area, '000')
  and d.measure = 'persons'
group by all
order by d.area_code, m.which, d.category_order
