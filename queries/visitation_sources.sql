-- The sources behind the visitation figures of the chosen areas.
select distinct source
from agg_visitation
where area_code in (select unnest($areas))
order by source
