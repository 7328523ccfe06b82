-- The shared citizens' share of the jobcenter's recipients, and of those far from work, over time.
with totals as (
    select
        m.period,
        p.start_date,
        sum(m.persons) filter (where m.administration = 'both' and m.target_group = 'i_alt' and m.match_group = 'i_alt') as shared,
        sum(m.persons) filter (where m.administration = 'jobcenter' and m.target_group = 'i_alt' and m.match_group = 'i_alt') as jobcenter,
        sum(m.persons) filter (where m.administration = 'both' and m.target_group = 'i_alt' and mg.ready = false) as shared_far,
        sum(m.persons) filter (where m.administration = 'jobcenter' and m.target_group = 'i_alt' and mg.ready = false) as jobcenter_far
    from match_groups m
    join periods p using (period)
    join categories mg on mg.dimension = 'category' and mg.code = m.match_group
    where m.area_code = $area
    group by m.period, p.start_date
)
select period, start_date, cast(shared as bigint) as shared, cast(jobcenter as bigint) as jobcenter,
       cast(shared_far as bigint) as shared_far, cast(jobcenter_far as bigint) as jobcenter_far,
       100.0 * shared / nullif(jobcenter, 0) as shared_pct,
       100.0 * shared_far / nullif(jobcenter_far, 0) as shared_far_pct
from totals
order by start_date
