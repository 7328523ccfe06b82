-- Recipients by visitation category for one area and one month, with the same month a year earlier.
with months as (
    select $period as period, 'current' as which
    union all
    select strftime(cast(strptime($period, '%YM%m') as date) - interval 12 month, '%YM%m'), 'year_before'
)
select
    m.which,
    v.area_code,
    v.category,
    v.category_label,
    v.ready,
    v.category_order,
    sum(v.value) as persons,
    count(*) filter (where v.suppressed) as suppressed_cells
from agg_visitation v
join months m on m.period = v.period
where v.area_code in ($area, $national)
  and v.measure = 'persons'
group by all
order by v.area_code, m.which, v.category_order
