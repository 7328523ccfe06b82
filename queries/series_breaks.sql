-- The classification breaks every time series marks: 2010, 2014, 2025 and 2027 (reference data, not code).
select break_date, label from series_breaks order by break_date
