-- The municipalities whose framework conditions are most like the chosen one's, as the ministry finds them: the
-- nearest expected share of the population on public support (jobindsats y30r21, all benefit groups together)
-- in the newest rolling year the chosen municipality has an expected share for.
with total as (
    select code from categories where dimension = 'benefit_group' and is_total
),
chosen as (
    select b.period, b.expected_pct
    from benchmark b
    join total t on b.benefit_group = t.code
    where b.area_code = $area and b.expected_pct is not null
    order by b.end_date desc
    limit 1
)
select b.area_code, a.area_name, b.expected_pct
from benchmark b
join total t on b.benefit_group = t.code
join chosen c on b.period = c.period
join areas a on a.area_code = b.area_code
where a.area_type = 'kommune' and b.area_code <> $area and b.expected_pct is not null
order by abs(b.expected_pct - c.expected_pct), b.area_code
limit $n
