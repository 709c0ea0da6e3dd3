-- arm_current: every arm with its recorded corrections applied, one row per arm.
-- The printed value stays in `arm`; the latest correction of a field (highest
-- id in `correction`) overrides it here. Declared arm attributes (age, sex, ...)
-- are in arm_attribute_current.
WITH latest AS (
    SELECT row_id, field, corrected FROM correction_latest WHERE table_name = 'arm'
)
SELECT
    a.id AS arm_id,
    a.study_id,
    a.label,
    a.role,
    COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'regimen'), a.regimen) AS regimen,
    CAST(COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'randomised_n'), CAST(a.randomised_n AS TEXT)) AS INTEGER) AS randomised_n,
    CAST(COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'safety_n'), CAST(a.safety_n AS TEXT)) AS INTEGER) AS safety_n,
    COUNT(c.field) AS corrections
FROM arm AS a
LEFT JOIN latest AS c ON c.row_id = a.id
GROUP BY a.id, a.study_id, a.label, a.role, a.regimen, a.randomised_n, a.safety_n
