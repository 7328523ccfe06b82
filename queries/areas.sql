-- Areas a user can choose: the country, the regions and the 98 municipalities.
select area_code, area_name, area_type, region, population
from areas
where area_type in ('land', 'region', 'kommune')
order by sort_order
