-- prisma_flow: the PRISMA 2020 flow of each review update, one row per update,
-- with the PRISMA2020 package's field names. Each box is counted from
-- record-level data where records exist, else taken from the counts the
-- published review reported (reported_flow_count); NULL where neither says.
-- A record's decision at a stage is its final one (screening_status): only
-- decided records are counted in a box; the others are awaiting
-- (records_awaiting at title/abstract: not yet screened, waiting for a second
-- screener or a resolver; reports_awaiting at full text: sought, not recorded as
-- not retrieved, and not yet decided), so screened = identified - duplicates -
-- awaiting and assessed = sought - not retrieved - awaiting.
-- Updated reviews (PRISMA 2020's template for updates): new studies and reports
-- come from records, else the reported counts, else the studies an update
-- included (study_inclusion); previous_* is what the update before it
-- totalled (unless the review reported it), dropped_* the studies included
-- before and no longer (an exclusion recorded with its reason), and
-- total = previous + new - dropped.
WITH RECURSIVE retrieval AS (
    SELECT record_id, retrieved
    FROM (
        SELECT record_id, retrieved, ROW_NUMBER() OVER (PARTITION BY record_id ORDER BY id DESC) AS position
        FROM full_text_retrieval
    ) AS ranked
    WHERE position = 1
),
from_records AS (
    SELECT
        se.review_update_id,
        COUNT(rec.id) AS database_results,
        COUNT(dup.record_id) AS duplicates,
        COUNT(ta.final_decision) FILTER (WHERE dup.record_id IS NULL) AS records_screened,
        COUNT(rec.id) FILTER (WHERE dup.record_id IS NULL AND ta.final_decision IS NULL) AS records_awaiting,
        COUNT(ta.record_id) FILTER (WHERE dup.record_id IS NULL AND ta.final_decision = 'exclude') AS records_excluded,
        COUNT(ta.record_id) FILTER (WHERE dup.record_id IS NULL AND ta.final_decision IN ('include', 'maybe'))
            AS dbr_sought_reports,
        COUNT(rt.record_id) FILTER (WHERE dup.record_id IS NULL AND NOT rt.retrieved) AS dbr_notretrieved_reports,
        COUNT(rec.id) FILTER (WHERE dup.record_id IS NULL AND ta.final_decision IN ('include', 'maybe')
                              AND rt.retrieved IS NOT FALSE AND ft.final_decision IS NULL) AS reports_awaiting,
        COUNT(ft.final_decision) FILTER (WHERE dup.record_id IS NULL) AS dbr_assessed,
        COUNT(ft.record_id) FILTER (WHERE dup.record_id IS NULL AND ft.final_decision = 'exclude') AS dbr_excluded,
        COUNT(ft.record_id) FILTER (WHERE dup.record_id IS NULL AND ft.final_decision = 'include') AS new_reports
    FROM search AS se
    JOIN record AS rec ON rec.search_id = se.id
    LEFT JOIN record_duplicate AS dup ON dup.record_id = rec.id
    LEFT JOIN screening_status AS ta ON ta.record_id = rec.id AND ta.stage = 'title_abstract'
    LEFT JOIN screening_status AS ft ON ft.record_id = rec.id AND ft.stage = 'full_text'
    LEFT JOIN retrieval AS rt ON rt.record_id = rec.id
    GROUP BY se.review_update_id
),
studies_from_records AS (
    -- Included full texts become reports of studies; several reports may share a study, and a
    -- report of a study the previous version already included adds a report, not a study.
    SELECT se.review_update_id, COUNT(DISTINCT rp.study_id) AS new_studies
    FROM report AS rp
    JOIN record AS rec ON rec.id = rp.record_id
    JOIN search AS se ON se.id = rec.search_id
    JOIN review_update AS u ON u.id = se.review_update_id
    LEFT JOIN study_inclusion AS before
        ON before.study_id = rp.study_id AND before.update_number = u.number - 1 AND before.status = 'included'
    WHERE before.study_id IS NULL
    GROUP BY se.review_update_id
),
reported AS (
    SELECT
        review_update_id,
        MAX(count) FILTER (WHERE stage = 'database_results') AS database_results,
        MAX(count) FILTER (WHERE stage = 'register_results') AS register_results,
        MAX(count) FILTER (WHERE stage = 'other_results') AS other_results,
        MAX(count) FILTER (WHERE stage = 'duplicates') AS duplicates,
        MAX(count) FILTER (WHERE stage = 'excluded_automatic') AS excluded_automatic,
        MAX(count) FILTER (WHERE stage = 'excluded_other') AS excluded_other,
        MAX(count) FILTER (WHERE stage = 'records_screened') AS records_screened,
        MAX(count) FILTER (WHERE stage = 'records_excluded') AS records_excluded,
        MAX(count) FILTER (WHERE stage = 'dbr_sought_reports') AS dbr_sought_reports,
        MAX(count) FILTER (WHERE stage = 'dbr_notretrieved_reports') AS dbr_notretrieved_reports,
        MAX(count) FILTER (WHERE stage = 'dbr_assessed') AS dbr_assessed,
        MAX(count) FILTER (WHERE stage = 'dbr_excluded') AS dbr_excluded,
        MAX(count) FILTER (WHERE stage = 'new_studies') AS new_studies,
        MAX(count) FILTER (WHERE stage = 'new_reports') AS new_reports,
        MAX(count) FILTER (WHERE stage = 'previous_studies') AS previous_studies,
        MAX(count) FILTER (WHERE stage = 'previous_reports') AS previous_reports
    FROM reported_flow_count
    GROUP BY review_update_id
),
inclusion_changes AS (
    -- Per update: studies included now and not at the update before (new), or the reverse (dropped),
    -- and the reports of each (reports an update added to studies it includes count as new).
    SELECT
        now.review_update_id,
        COUNT(*) FILTER (WHERE now.status = 'included' AND (before.status IS NULL OR before.status <> 'included')) AS new_studies,
        COUNT(*) FILTER (WHERE now.status <> 'included' AND before.status = 'included') AS dropped_studies,
        SUM(CASE WHEN now.status = 'included' THEN
                (SELECT COUNT(*) FROM report AS rp JOIN review_update AS ru ON ru.id = rp.review_update_id
                 WHERE rp.study_id = now.study_id AND ru.number <= now.update_number
                   AND (before.status IS NULL OR before.status <> 'included' OR ru.number = now.update_number))
            ELSE 0 END) AS new_reports,
        SUM(CASE WHEN now.status <> 'included' AND before.status = 'included' THEN
                (SELECT COUNT(*) FROM report AS rp JOIN review_update AS ru ON ru.id = rp.review_update_id
                 WHERE rp.study_id = now.study_id AND ru.number < now.update_number)
            ELSE 0 END) AS dropped_reports
    FROM study_inclusion AS now
    LEFT JOIN study_inclusion AS before
        ON before.study_id = now.study_id AND before.update_number = now.update_number - 1
    GROUP BY now.review_update_id
),
flow AS (
    SELECT
        u.review_id,
        u.id AS review_update_id,
        u.number AS update_number,
        (f.review_update_id IS NOT NULL) AS from_records,
        COALESCE(f.database_results, rp.database_results) AS database_results,
        rp.register_results,
        rp.other_results,
        COALESCE(f.duplicates, rp.duplicates) AS duplicates,
        rp.excluded_automatic,
        rp.excluded_other,
        COALESCE(f.records_screened, rp.records_screened) AS records_screened,
        f.records_awaiting,
        COALESCE(f.records_excluded, rp.records_excluded) AS records_excluded,
        COALESCE(f.dbr_sought_reports, rp.dbr_sought_reports) AS dbr_sought_reports,
        COALESCE(f.dbr_notretrieved_reports, rp.dbr_notretrieved_reports) AS dbr_notretrieved_reports,
        COALESCE(f.dbr_assessed, rp.dbr_assessed) AS dbr_assessed,
        f.reports_awaiting,
        COALESCE(f.dbr_excluded, rp.dbr_excluded) AS dbr_excluded,
        COALESCE(sr.new_studies, rp.new_studies, ch.new_studies) AS new_studies,
        COALESCE(f.new_reports, rp.new_reports, ch.new_reports) AS new_reports,
        rp.previous_studies,
        rp.previous_reports,
        COALESCE(ch.dropped_studies, 0) AS dropped_studies,
        COALESCE(ch.dropped_reports, 0) AS dropped_reports
    FROM review_update AS u
    LEFT JOIN from_records AS f ON f.review_update_id = u.id
    LEFT JOIN studies_from_records AS sr ON sr.review_update_id = u.id
    LEFT JOIN reported AS rp ON rp.review_update_id = u.id
    LEFT JOIN inclusion_changes AS ch ON ch.review_update_id = u.id
),
totals AS (
    -- previous = the total of the update before (unless reported); total = previous + new - dropped.
    SELECT
        review_update_id, review_id, update_number,
        CAST(previous_studies AS BIGINT) AS previous_studies_counted,
        CAST(previous_reports AS BIGINT) AS previous_reports_counted,
        CAST(COALESCE(previous_studies, 0) + new_studies - dropped_studies AS BIGINT) AS total_studies,
        CAST(COALESCE(previous_reports, 0) + new_reports - dropped_reports AS BIGINT) AS total_reports
    FROM flow
    WHERE update_number = 0
    UNION ALL
    SELECT
        f.review_update_id, f.review_id, f.update_number,
        CAST(COALESCE(f.previous_studies, t.total_studies) AS BIGINT),
        CAST(COALESCE(f.previous_reports, t.total_reports) AS BIGINT),
        CAST(COALESCE(f.previous_studies, t.total_studies) + f.new_studies - f.dropped_studies AS BIGINT),
        CAST(COALESCE(f.previous_reports, t.total_reports) + f.new_reports - f.dropped_reports AS BIGINT)
    FROM flow AS f
    JOIN totals AS t ON t.review_id = f.review_id AND f.update_number = t.update_number + 1
)
SELECT
    flow.review_id, flow.review_update_id, flow.update_number, flow.from_records,
    flow.database_results, flow.register_results, flow.other_results, flow.duplicates,
    flow.excluded_automatic, flow.excluded_other, flow.records_screened, flow.records_excluded,
    flow.dbr_sought_reports, flow.dbr_notretrieved_reports, flow.dbr_assessed, flow.dbr_excluded,
    flow.new_studies, flow.new_reports, flow.records_awaiting, flow.reports_awaiting,
    t.previous_studies_counted AS previous_studies,
    t.previous_reports_counted AS previous_reports,
    flow.dropped_studies, flow.dropped_reports,
    t.total_studies, t.total_reports
FROM flow
LEFT JOIN totals AS t ON t.review_update_id = flow.review_update_id
