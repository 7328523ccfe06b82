-- Every current load with its provenance, newest first.
select load_id, file_name, kind, rows, replaced_rows, loaded_at, loaded_by, source, table_id, areas,
       period_from, period_to
from loads
order by load_id desc
