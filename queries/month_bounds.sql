-- First and last month with visitation data anywhere, and the newest of them up to $today (a month id such as
-- 2026M12; month ids compare as text): the default month, which an uploaded future period must not move.
select min(period) as first_month, max(period) as last_month,
       max(period) filter (where period <= $today) as current_month
from agg_visitation
where period_type = 'M'
