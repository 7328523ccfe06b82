-- Investment and savings lines of one area, with the role each line plays in the net result.
select i.project, i.period, i.year, p.label as period_label, i.line, il.label as line_label, i.line_role,
       i.amount_dkk, i.basis, b.label as basis_label, i.note, i.source
from investments i
join periods p using (period)
join investment_lines il using (line)
join categories b on b.dimension = 'basis' and b.code = i.basis
where i.area_code = $area
order by i.project, p.start_date, il.sort_order
