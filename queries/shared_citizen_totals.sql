-- The shared citizens' totals for chosen areas in every period they have: the key figures read one area's period,
-- the series over time the months of all of them (queries/over_time.py makes quarters and years of those).
-- Shared citizens against the jobcenter's recipients (the grand totals, $total), the same for the groups far from
-- work (match groups or visitation categories that are not ready), and the shared citizens with special needs in
-- those groups (the target groups themselves: a subtotal of them is not added again).
with cells as (
    select m.area_code, m.period, p.period_type, p.start_date, m.administration, m.persons, m.source,
           m.target_group = $total as all_targets, m.match_group = $total as all_matches,
           not tg.is_total and coalesce(tg.special_needs, false) as special_needs,
           coalesce(mg.ready = false, false) as far
    from match_groups m
    join periods p using (period)
    join categories tg on tg.dimension = 'target_group' and tg.code = m.target_group
    join categories mg on mg.dimension = 'category' and mg.code = m.match_group
    where m.area_code in (select unnest($areas))
),
totals as (
    select
        area_code,
        period,
        period_type,
        start_date,
        sum(persons) filter (where administration = 'both' and all_targets and all_matches)::bigint as shared,
        sum(persons) filter (where administration = 'jobcenter' and all_targets and all_matches)::bigint as jobcenter,
        sum(persons) filter (where administration = 'both' and all_targets and far)::bigint as shared_far,
        sum(persons) filter (where administration = 'jobcenter' and all_targets and far)::bigint as jobcenter_far,
        sum(persons) filter (where administration = 'both' and special_needs and far)::bigint as special_far,
        bool_or(source = $demo_source) as demo,
        list(distinct source order by source) as sources
    from cells
    group by area_code, period, period_type, start_date
)
-- Shares in double precision, as 100 * part / whole.
select area_code, period, period_type, start_date, shared, jobcenter, shared_far, jobcenter_far, special_far, demo, sources,
       100 * shared::double / nullif(jobcenter, 0) as shared_pct,
       100 * shared_far::double / nullif(jobcenter_far, 0) as shared_far_pct,
       100 * special_far::double / nullif(jobcenter_far, 0) as special_far_pct
from totals
order by area_code, start_date
