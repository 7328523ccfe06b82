-- The benefit groups with benchmark figures for one area, "Ydelsesgrupper i alt" first.
with rows as (
    select distinct benefit_group from benchmark where area_code = $area
)
select c.code as benefit_group, c.label, c.is_total
from rows r
join categories c on c.dimension = 'benefit_group' and c.code = r.benefit_group
order by c.sort_order, c.code
