-- Rows by kind, area and year: what is loaded where. Each fact table is counted by area and period
-- first (a few thousand groups even for all of Denmark), then labelled.
with facts as (
    select 'visitation' as kind, area_code::varchar as area_code, period, rows
    from (select area_code, period, count(*) as rows from fact_visitation where replaced_by is null group by all)
    union all select 'match_group', area_code, period, count(*) from fact_match_group where replaced_by is null group by all
    union all select 'activation', area_code, period, count(*) from fact_activation where replaced_by is null group by all
    union all select 'caseload', area_code, period, count(*) from fact_caseload where replaced_by is null group by all
    union all select 'investment', area_code, period, count(*) from fact_investment where replaced_by is null group by all
    union all select 'benchmark', area_code, period, count(*) from fact_benchmark where replaced_by is null group by all
)
select f.kind, a.area_name as area, year(p.start_date) as year, sum(f.rows)::bigint as rows
from facts f
join areas a using (area_code)
join periods p using (period)
where $area = '*' or f.area_code = $area
group by all
order by f.kind, year
