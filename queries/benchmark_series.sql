-- Actual against expected full-time persons on public support over time for one area and benefit
-- group, rolling years ending in the months $from-$to, with the differences (actual minus expected) and the
-- place on the ranking of the period.
with rows as (
    select * from benchmark
    where area_code = $area and benefit_group = $group
      and end_date >= strptime($from, '%YM%m')::date
      and end_date < (strptime($to, '%YM%m') + interval 1 month)::date
),
ranked as (
    select b.period, count(b.rank) as ranked
    from benchmark b
    join areas a using (area_code)
    where b.benefit_group = $group and a.area_type = 'kommune'
    group by b.period
)
select r.area, r.area_code, r.period, p.label as period_label, r.start_date, r.end_date,
       r.benefit_group, r.benefit_group_label, r.expected_ftp, r.actual_ftp, r.difference_ftp,
       r.expected_pct, r.actual_pct, r.difference_pct, r.rank, k.ranked, r.suppressed, r.source
from rows r
join periods p using (period)
left join ranked k using (period)
order by r.end_date, r.period
