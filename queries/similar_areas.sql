-- Municipalities closest in population to the chosen one.
with chosen as (select population from areas where area_code = $area)
select a.area_code, a.area_name, a.population
from areas a, chosen c
where a.area_type = 'kommune' and a.area_code <> $area
order by abs(a.population - c.population), a.area_code
limit $n
