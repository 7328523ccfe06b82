-- Per table loaded from jobindsats' API ($source): the newest period loaded and when, what the newest refresh run
-- read of it in jobindsats' catalogue (its last and next update, its newest period), and how the last refresh run
-- went for it. presentation/freshness.py words it as the line every page shows.
with loaded as (
    select lower(l.table_id) as table_id, max(l.loaded_at) as loaded_at,
           arg_max(l.period_to, p.end_date) as period_to, max(p.end_date) as end_date
    from loads l
    join periods p on p.period = l.period_to
    where l.source = $source and l.table_id is not null
    group by all
),
catalogue as (
    select table_id, arg_max(update_latest, run_id) as update_latest, arg_max(update_next, run_id) as update_next,
           arg_max(period_last, run_id) as period_last
    from refresh_runs
    where update_latest is not null or update_next is not null or period_last is not null
    group by all
),
last_run as (
    select table_id, started_at, status, reason
    from refresh_runs
    where run_id = (select max(run_id) from refresh_runs)
)
select coalesce(l.table_id, r.table_id) as table_id, l.period_to, p.label as period_label, p.period_type,
       l.end_date, l.loaded_at, c.update_latest, c.update_next, c.period_last,
       r.started_at as run_started_at, r.status as run_status, r.reason as run_reason
from loaded l
full join last_run r on r.table_id = l.table_id
left join catalogue c on c.table_id = coalesce(l.table_id, r.table_id)
left join periods p on p.period = l.period_to
order by table_id
