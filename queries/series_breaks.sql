-- The classification breaks every time series marks: 2010, 2014 and 2025.
select break_date, label from series_breaks order by break_date
