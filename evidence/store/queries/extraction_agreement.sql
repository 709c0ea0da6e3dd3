-- extraction_agreement: one row per extracted value's key (review, sheet, study,
-- arm label, outcome, time point, field) that any extractor gave or a resolver
-- decided: how many extractors gave it, whether their latest values agree, and
-- the agreed value. Status: 'resolved' (the latest resolution counts, whatever
-- the extractors said), 'agreed' (two or more extractors, one value; under
-- single extraction one extractor is enough: 'single'), 'disagree' (extractors
-- differ), 'awaiting' (dual extraction and one extractor so far). `value` is the
-- agreed value where the status is resolved, agreed or single, else NULL; a NULL
-- agreed value is a value looked for and not found (`decided` tells them apart).
-- Values are compared as the canonical text the import stored. The review's
-- extraction mode NULL means single.
WITH latest AS (
    SELECT review_id, review_update_id, sheet, study_id, arm, outcome_id, timepoint, field, extractor, value
    FROM (
        SELECT
            v.*,
            ROW_NUMBER() OVER (PARTITION BY review_id, sheet, study_id, arm, outcome_id, timepoint, field, extractor
                               ORDER BY id DESC) AS position
        FROM extracted_value AS v
    ) AS ranked
    WHERE position = 1
),
extracted AS (
    SELECT
        review_id, sheet, study_id, arm, outcome_id, timepoint, field,
        MIN(review_update_id) AS review_update_id,
        COUNT(*) AS extractors,
        COUNT(DISTINCT value) + MAX(CASE WHEN value IS NULL THEN 1 ELSE 0 END) AS distinct_values,
        MIN(value) AS value
    FROM latest
    GROUP BY review_id, sheet, study_id, arm, outcome_id, timepoint, field
),
resolved AS (
    SELECT review_id, review_update_id, sheet, study_id, arm, outcome_id, timepoint, field, value, resolved_by, why
    FROM (
        SELECT
            r.*,
            ROW_NUMBER() OVER (PARTITION BY review_id, sheet, study_id, arm, outcome_id, timepoint, field
                               ORDER BY id DESC) AS position
        FROM extraction_resolution AS r
    ) AS ranked
    WHERE position = 1
),
combined AS (
    SELECT
        COALESCE(e.review_id, r.review_id) AS review_id,
        COALESCE(e.review_update_id, r.review_update_id) AS review_update_id,
        COALESCE(e.sheet, r.sheet) AS sheet,
        COALESCE(e.study_id, r.study_id) AS study_id,
        COALESCE(e.arm, r.arm) AS arm,
        COALESCE(e.outcome_id, r.outcome_id) AS outcome_id,
        COALESCE(e.timepoint, r.timepoint) AS timepoint,
        COALESCE(e.field, r.field) AS field,
        COALESCE(e.extractors, 0) AS extractors,
        COALESCE(e.distinct_values, 0) AS distinct_values,
        e.value AS extracted_value,
        r.resolved_by IS NOT NULL AS is_resolved,
        r.value AS resolved_value,
        r.resolved_by,
        r.why
    FROM extracted AS e
    FULL OUTER JOIN resolved AS r
        ON r.review_id = e.review_id AND r.sheet = e.sheet AND r.study_id = e.study_id AND r.arm = e.arm
        AND r.outcome_id IS NOT DISTINCT FROM e.outcome_id AND r.timepoint = e.timepoint AND r.field = e.field
),
classified AS (
    SELECT
        c.*,
        CASE
            WHEN c.is_resolved THEN 'resolved'
            WHEN c.distinct_values > 1 THEN 'disagree'
            WHEN c.extractors >= 2 THEN 'agreed'
            WHEN COALESCE(rv.extraction, 'single') = 'single' THEN 'single'
            ELSE 'awaiting'
        END AS status
    FROM combined AS c
    JOIN review AS rv ON rv.id = c.review_id
)
SELECT
    review_id, review_update_id, sheet, study_id, arm, outcome_id, timepoint, field, extractors, distinct_values,
    status,
    status IN ('resolved', 'agreed', 'single') AS decided,
    CASE WHEN status = 'resolved' THEN resolved_value
         WHEN status IN ('agreed', 'single') THEN extracted_value END AS value,
    resolved_by,
    why
FROM classified
