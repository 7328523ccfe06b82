-- The municipalities whose expected share in one rolling year is nearest the chosen one's: the ministry's way
-- of finding similar framework conditions. The chosen municipality comes first.
with rows as (
    select b.* from benchmark b
    join areas a using (area_code)
    where b.period = $period and b.benefit_group = $group and a.area_type = 'kommune' and b.expected_pct is not null
),
chosen as (
    select expected_pct from rows where area_code = $area
),
candidates as (
    select r.*, abs(r.expected_pct - c.expected_pct) as distance, r.area_code = $area as is_chosen
    from rows r, chosen c
)
select c.area, c.area_code, c.period, p.label as period_label, c.expected_pct, c.actual_pct, c.difference_pct,
       c.expected_ftp, c.actual_ftp, c.difference_ftp, c.rank, c.distance, c.is_chosen, c.source
from candidates c
join periods p using (period)
order by c.is_chosen desc, c.distance, c.area_code
limit $n + 1
