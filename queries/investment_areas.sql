-- Areas that have investment lines, the published cases first.
select area_code, area, bool_or(source <> 'syntetisk demo') as published
from investments
group by area_code, area
order by published desc, area
