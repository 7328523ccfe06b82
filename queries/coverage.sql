-- Rows by kind, area and year: what is loaded where.
with facts as (
    select 'visitation' as kind, area_code::varchar as area_code, period from fact_visitation where replaced_by is null
    union all select 'match_group', area_code, period from fact_match_group where replaced_by is null
    union all select 'activation', area_code, period from fact_activation where replaced_by is null
    union all select 'caseload', area_code, period from fact_caseload where replaced_by is null
    union all select 'investment', area_code, period from fact_investment where replaced_by is null
)
select f.kind, a.area_name as area, year(p.start_date) as year, count(*) as rows
from facts f
join areas a using (area_code)
join periods p using (period)
where $area = '*' or f.area_code = $area
group by all
order by f.kind, year
