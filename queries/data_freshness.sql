-- The newest load and whether synthetic demo data ($demo_source) are present.
select
    max(loaded_at) as latest_loaded_at,
    arg_max(source, loaded_at) as latest_source,
    arg_max(file_name, loaded_at) as latest_file,
    count(*) as loads,
    bool_or(source = $demo_source) as has_demo
from loads
