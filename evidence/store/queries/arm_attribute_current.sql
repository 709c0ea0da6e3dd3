-- arm_attribute_current: every declared arm attribute an arm has a value for, with
-- recorded corrections applied (a correction of the arm's field of that name; it may
-- give a value the source left out), its kind and unit, and the value as a number
-- where the kind is a number (integer, number, percent).
WITH latest AS (
    SELECT row_id, field, corrected FROM correction_latest WHERE table_name = 'arm'
),
declared AS (
    SELECT a.id AS arm_id, a.study_id, s.review_id, d.name, d.kind, d.unit
    FROM arm AS a
    JOIN study AS s ON s.id = a.study_id
    JOIN attribute_definition AS d ON d.review_id = s.review_id AND d.level = 'arm'
),
valued AS (
    SELECT
        x.arm_id, x.study_id, x.review_id, x.name, x.kind, x.unit,
        COALESCE(c.corrected, v.value) AS value,
        v.value AS printed,
        c.corrected IS NOT NULL AS corrected,
        v.source
    FROM declared AS x
    LEFT JOIN arm_attribute AS v ON v.arm_id = x.arm_id AND v.name = x.name
    LEFT JOIN latest AS c ON c.row_id = x.arm_id AND c.field = x.name
)
SELECT
    arm_id, study_id, review_id, name, kind, unit, value,
    CASE WHEN kind IN ('integer', 'number', 'percent') THEN CAST(value AS DOUBLE PRECISION) END AS number,
    printed, corrected, source
FROM valued
WHERE value IS NOT NULL
