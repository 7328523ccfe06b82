-- Cases per worker by team against the guidance band of the team's area, for one area and period.
with teams as (
    select * from caseloads where area_code = $area and period = $period
),
bands as (
    select g.guidance_area, g.low, g.high, g.source, g.valid_from, g.valid_to, ga.label as guidance_label
    from guidance g
    join guidance_areas ga using (guidance_area)
    where g.preset = $preset
)
select
    t.team,
    t.guidance_area,
    b.guidance_label,
    t.cases,
    t.caseworker_fte,
    t.cases_per_worker,
    t.cases_per_worker_high,
    b.low,
    b.high,
    b.source,
    coalesce(t.cases_per_worker_high, t.cases_per_worker) > b.high as above,
    t.cases / b.high - t.caseworker_fte as fte_needed_high,
    t.cases / b.low - t.caseworker_fte as fte_needed_low,
    t.source as data_source
from teams t
left join bands b using (guidance_area)
order by t.cases_per_worker desc nulls last, t.team
