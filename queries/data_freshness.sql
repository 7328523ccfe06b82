-- The newest load and whether synthetic demo data are present.
with current_loads as (
    select * from loads
)
select
    max(loaded_at) as latest_loaded_at,
    arg_max(source, loaded_at) as latest_source,
    arg_max(file_name, loaded_at) as latest_file,
    count(*) as loads,
    bool_or(source = 'syntetisk demo') as has_demo
from current_loads
