-- Target group x match group for shared citizens (and the jobcenter's totals) in one area and period.
select
    m.administration,
    m.target_group,
    tg.label as target_label,
    tg.sort_order as target_order,
    tg.special_needs,
    m.match_group,
    mg.label as match_label,
    mg.sort_order as match_order,
    mg.ready,
    mg.is_total as match_is_total,
    tg.is_total as target_is_total,
    m.persons,
    m.suppressed,
    m.source
from match_groups m
join categories tg on tg.dimension = 'target_group' and tg.code = m.target_group
join categories mg on mg.dimension = 'category' and mg.code = m.match_group
where m.area_code = $area and m.period = $period
order by m.administration, tg.sort_order, mg.sort_order
