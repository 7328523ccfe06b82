-- Every municipality's place on the benchmark ranking for one rolling year and benefit group (1 = best:
-- furthest below the expected share).
with rows as (
    select b.* from benchmark b
    join areas a using (area_code)
    where b.period = $period and b.benefit_group = $group and a.area_type = 'kommune'
)
select rank, area, area_code, expected_pct, actual_pct, difference_pct, expected_ftp, actual_ftp, difference_ftp,
       suppressed, source
from rows
order by rank nulls last, difference_pct nulls last, area
