-- Areas that have investment lines, the published cases (not the demo, $demo_source) first.
select area_code, area, bool_or(source <> $demo_source) as published
from investments
group by area_code, area
order by published desc, area
