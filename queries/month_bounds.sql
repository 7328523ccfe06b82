-- First and last month with visitation data anywhere.
select min(period) as first_month, max(period) as last_month
from agg_visitation
where period_type = 'M'
