-- Caseload summary for one area's latest caseload period: average cases per worker and teams above band.
with latest as (
    select max(period) as period from caseloads where area_code = $area and period <= $period
)
select
    c.period,
    sum(c.cases) / nullif(sum(c.caseworker_fte), 0) as cases_per_worker,
    count(*) as teams,
    count(*) filter (where coalesce(c.cases_per_worker_high, c.cases_per_worker) > g.high) as teams_above,
    min(g.low) as band_low,
    max(g.high) as band_high,
    list(distinct c.source order by c.source) as sources
from caseloads c
join latest l on l.period = c.period
left join guidance g on g.guidance_area = c.guidance_area and g.preset = $preset
where c.area_code = $area
group by c.period
