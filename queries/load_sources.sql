-- Every source with a current load.
select distinct source from loads order by source
