-- The DS caseload guidance of one preset, with source and validity.
select ga.label as guidance_label, g.guidance_area, g.low, g.high, g.source, g.valid_from, g.valid_to
from guidance g
join guidance_areas ga using (guidance_area)
where g.preset = $preset
order by ga.sort_order
