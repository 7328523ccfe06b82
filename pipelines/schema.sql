-- Helhedsblik warehouse: dimension tables, fact tables with provenance, and the stable
-- analyst-facing views. Idempotent: run on every connect that may write.

create sequence if not exists load_id_seq start 1;
-- Refresh runs take their id from here, in their first write session: two runs never share one.
create sequence if not exists refresh_run_seq start 1;

create table if not exists meta (
    key varchar primary key,
    value varchar
);

-- Every load ever made, including undone ones (status = 'undone').
create table if not exists load_log (
    load_id integer primary key,
    file_name varchar not null,
    file_digest varchar not null,      -- algorithm:hex of the file, sha512:… (sha256:… before SHA-512)
    kind varchar not null,
    rows bigint not null,
    loaded_at timestamp not null,
    loaded_by varchar not null,
    source varchar not null,
    table_id varchar,
    query varchar,                     -- API loads: every request as sent, without the key
    api_version varchar,               -- API loads: v3
    areas integer,
    period_from varchar,
    period_to varchar,
    replaced_rows bigint not null default 0,
    status varchar not null default 'loaded',
    undone_at timestamp,
    undone_by varchar
);

-- Loads waiting for an analyst to confirm them (an upload's review, `pipelines load --pending`): their facts are
-- in the fact tables already, marked replaced by minus their load id, so that nothing reads them as current.
-- Confirming one (`pipelines confirm`) makes them current, replaces what they replace and logs the load;
-- abandoning one (`pipelines undo`) deletes them.
create table if not exists pending_loads (
    load_id integer primary key,
    kind varchar not null,
    file_name varchar not null,
    file_digest varchar not null,
    rows bigint not null,
    source varchar not null,
    periods varchar[] not null,
    reviewed_at timestamp not null,
    reviewed_by varchar not null,
    review json not null               -- what the Data page shows of it (uploads.Review as JSON)
);

-- Every run of `pipelines refresh`, one row per mapped table: what it did and, on failure, why.
-- Pages read the latest run to say when the live data are not current.
create table if not exists refresh_runs (
    run_id integer not null,           -- one per refresh run; every table of a run shares it
    started_at timestamp not null,
    table_id varchar not null,
    status varchar not null,           -- fetched, current, failed, not_run
    periods varchar,                   -- the periods fetched, e.g. 2024M06-2024M09
    newest_period varchar,             -- the newest period the table's metadata offered
    rows bigint,
    load_id integer,
    reason varchar,                    -- why it failed (Danish, never the key)
    -- What jobindsats' catalogue said of the table when the run asked: its last update, its next expected
    -- one (what "overdue" means) and the newest period of the type we load. NULL: not listed.
    update_latest date,
    update_next date,
    period_last varchar,
    primary key (run_id, table_id)
);

create table if not exists areas (
    area_code varchar primary key,
    area_name varchar not null,
    area_type varchar not null,        -- land, region, kommune, uoplyst
    region varchar,
    jobindsats_name varchar,
    population bigint,
    sort_order integer not null
);

create table if not exists area_aliases (
    alias varchar primary key,         -- normalised: lower case, trimmed, no " kommune"
    area_code varchar not null
);

create table if not exists categories (
    dimension varchar not null,
    code varchar not null,
    label varchar not null,
    valid_from date,
    valid_to date,
    sort_order integer not null,
    ready boolean,                     -- jobparat/uddannelsesparat (or match 1-3): close to work
    special_needs boolean,             -- SOF target groups with special needs
    is_total boolean not null,
    parent varchar,                    -- age: the under/over 30 band (a band is its own); origin: the group
                                       -- a subgroup belongs to. Parts of a total: no parent or their own
    primary key (dimension, code)
);

create table if not exists category_aliases (
    dimension varchar not null,
    alias varchar not null,            -- normalised like area aliases
    code varchar not null,
    primary key (dimension, alias)
);

create table if not exists guidance_areas (
    guidance_area varchar primary key,
    label varchar not null,
    sort_order integer not null
);

create table if not exists guidance (
    preset varchar not null,
    guidance_area varchar not null,
    low double not null,
    high double not null,
    source varchar not null,
    valid_from date,
    valid_to date,
    primary key (preset, guidance_area)
);

create table if not exists investment_lines (
    line varchar primary key,
    label varchar not null,
    role varchar not null,             -- cost, saving (count in the net), stated, info (do not)
    sort_order integer not null
);

create table if not exists series_breaks (
    break_date date primary key,
    label varchar not null,
    description varchar not null
);

create table if not exists periods (
    period varchar primary key,        -- jobindsats form: 2016M10, 2024Q01, 2024QMAT02, 2024, or a range a-b
    period_type varchar not null,      -- M, Q, QMAT, Y, RANGE
    start_date date not null,
    end_date date not null,
    label varchar not null             -- Danish: "oktober 2016", "1. kvt. 2024", ...
);

-- Facts. replaced_by is set when a later load of the same scope supersedes a row, so an
-- undo of that later load can bring the earlier figures back.

-- Visitation, the bulk of the warehouse, is stored one row per extract line with one column per
-- measure: a national extract is written (and aggregated, and checked) at half the rows of one row
-- per measure. A line carries the measures its file had (`measures`, a bit per measure); each
-- measure is replaced on its own (`<measure>_replaced_by`), as a reload of one measure replaces
-- only that measure. A carried measure's NULL value is a suppressed cell. The codes are ENUM types
-- made from the reference data (pipelines/warehouse.py, CODE_TYPES); the views turn them into text.
-- This file is a template (warehouse.schema_sql): the measure columns and their bits are filled in from
-- pipelines/visitation_lines.py, the name of the first classification era from pipelines/periods.py.
create table if not exists visitation_lines (
    load_id integer not null,
    area_code area_code_t not null,
    period varchar not null,
    benefit benefit_t not null,
    gender gender_t not null,
    age_group age_group_t not null,
    origin origin_t not null,
    category category_t not null,
    measures utinyint not null,
    {measure_columns}
);

-- The same facts one row per measure, as every other fact table has them: what the views, the
-- integrity check and the coverage read.
create or replace view fact_visitation as
{fact_visitation};

create table if not exists fact_match_group (
    load_id integer not null,
    replaced_by integer,
    area_code varchar not null,
    period varchar not null,
    administration varchar not null,
    target_group varchar not null,
    match_group varchar not null,
    persons bigint,
    suppressed boolean not null
);

create table if not exists fact_activation (
    load_id integer not null,
    replaced_by integer,
    area_code varchar not null,
    period varchar not null,
    group_name varchar not null,
    persons bigint,
    activated bigint,
    activation_rate double,
    touched_share double,
    suppressed boolean not null
);

create table if not exists fact_caseload (
    load_id integer not null,
    replaced_by integer,
    area_code varchar not null,
    period varchar not null,
    team varchar not null,
    guidance_area varchar not null,
    cases bigint,
    caseworker_fte double,
    cases_per_worker double,
    cases_per_worker_high double,
    suppressed boolean not null
);

create table if not exists fact_investment (
    load_id integer not null,
    replaced_by integer,
    area_code varchar not null,
    project varchar not null,
    period varchar not null,
    line varchar not null,
    amount_dkk double,
    basis varchar not null,
    note varchar,
    suppressed boolean not null
);

-- jobindsats y30r21, the ministry's benchmark: expected (from the framework conditions) and actual
-- full-time persons on public support per rolling four quarters (QMAT) and benefit group.
create table if not exists fact_benchmark (
    load_id integer not null,
    replaced_by integer,
    area_code varchar not null,
    period varchar not null,
    benefit_group varchar not null,
    expected_ftp double,
    actual_ftp double,
    expected_pct double,
    actual_pct double,
    difference_ftp double,
    rank bigint,                       -- place on the benchmark ranking, 1 = best
    suppressed boolean not null,
    difference_pct double              -- as jobindsats gives it (pct. points); NULL: actual_pct - expected_pct
);

-- Monthly visitation summed over gender, origin and benefit, kept per age band (under/over 30) and
-- source: what the pages read. Rebuilt for the areas and periods a load or an undo touches, inside
-- that same transaction, so it always agrees with the facts.
create table if not exists agg_visitation (
    area_code varchar not null,
    period varchar not null,
    period_type varchar not null,
    start_date date not null,
    era varchar not null,
    category varchar not null,
    category_label varchar not null,
    category_order integer not null,
    ready boolean,
    age_band varchar not null,
    measure varchar not null,
    source varchar not null,
    value double,
    suppressed boolean not null
);

-- Stable views for analysts (any DuckDB client). Only current rows; suppressed values are NULL.

create or replace view loads as
select load_id, file_name, file_digest, kind, rows, loaded_at, loaded_by, source,
       table_id, query, api_version, areas, period_from, period_to, replaced_rows
from load_log
where status = 'loaded';

create or replace view visitation as
select a.area_name as area, f.area_code, f.period, p.period_type, p.start_date, p.end_date,
       f.benefit, f.gender, f.age_group, f.origin, f.category, c.label as category_label,
       f.measure, f.value, f.suppressed, f.load_id, l.source
from (
    select load_id, area_code::varchar as area_code, period, benefit::varchar as benefit,
           gender::varchar as gender, age_group::varchar as age_group, origin::varchar as origin,
           category::varchar as category, measure::varchar as measure, value, suppressed
    from fact_visitation
    where replaced_by is null
) f
join areas a using (area_code)
join periods p using (period)
join categories c on c.dimension = 'category' and c.code = f.category
join load_log l using (load_id);

create or replace view match_groups as
select a.area_name as area, f.area_code, f.period, p.start_date, p.end_date,
       f.administration, f.target_group, f.match_group, f.persons, f.suppressed, f.load_id, l.source
from fact_match_group f
join areas a using (area_code)
join periods p using (period)
join load_log l using (load_id)
where f.replaced_by is null;

create or replace view activation as
select a.area_name as area, f.area_code, f.period, p.start_date, p.end_date,
       f.group_name, f.persons, f.activated,
       coalesce(f.activation_rate, 100.0 * f.activated / nullif(f.persons, 0)) as activation_rate,
       f.touched_share, f.suppressed, f.load_id, l.source
from fact_activation f
join areas a using (area_code)
join periods p using (period)
join load_log l using (load_id)
where f.replaced_by is null;

create or replace view caseloads as
select a.area_name as area, f.area_code, f.period, p.start_date, p.end_date,
       f.team, f.guidance_area, f.cases, f.caseworker_fte,
       coalesce(f.cases_per_worker, f.cases / nullif(f.caseworker_fte, 0)) as cases_per_worker,
       f.cases_per_worker_high, f.suppressed, f.load_id, l.source
from fact_caseload f
join areas a using (area_code)
join periods p using (period)
join load_log l using (load_id)
where f.replaced_by is null;

create or replace view investments as
select a.area_name as area, f.area_code, f.project, year(p.start_date) as year, f.period,
       f.line, il.role as line_role, f.amount_dkk, f.basis, f.note, f.suppressed, f.load_id, l.source
from fact_investment f
join areas a using (area_code)
join periods p using (period)
join investment_lines il using (line)
join load_log l using (load_id)
where f.replaced_by is null;

-- difference_* are actual minus expected: below zero, fewer on public support than the conditions predict.
create or replace view benchmark as
select a.area_name as area, f.area_code, f.period, p.start_date, p.end_date,
       f.benefit_group, c.label as benefit_group_label, f.expected_ftp, f.actual_ftp,
       coalesce(f.difference_ftp, f.actual_ftp - f.expected_ftp) as difference_ftp,
       coalesce(f.difference_pct, f.actual_pct - f.expected_pct) as difference_pct,
       f.expected_pct, f.actual_pct, f.rank, f.suppressed, f.load_id, l.source
from fact_benchmark f
join areas a using (area_code)
join periods p using (period)
join categories c on c.dimension = 'benefit_group' and c.code = f.benefit_group
join load_log l using (load_id)
where f.replaced_by is null;

-- Visitation rows the pages add up: category totals left out, each row tagged with its
-- classification era (the series break it falls after; before the first, periods.FIRST_ERA) so eras are
-- never merged.
create or replace view visitation_detail as
select v.*, c.ready, c.sort_order as category_order,
       coalesce(ag.parent, v.age_group) as age_band,
       coalesce(b.label, {first_era}) as era, coalesce(b.break_date, date '1900-01-01') as era_start
from visitation v
join categories c on c.dimension = 'category' and c.code = v.category
join categories ag on ag.dimension = 'age_group' and ag.code = v.age_group
asof left join series_breaks b on v.start_date >= b.break_date
where not c.is_total;
