-- The sources behind the visitation figures of the chosen areas in the months $from-$to (period ids).
select distinct source
from agg_visitation
where area_code in (select unnest($areas))
  and period_type = 'M'
  and period between $from and $to
order by source
