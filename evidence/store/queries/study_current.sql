-- study_current: every study with its recorded corrections applied (status,
-- setting, design, year), one row per study. The status as first loaded stays in
-- `study`; a later inclusion, exclusion or reclassification is a correction with
-- its reason, and the latest one (highest id) counts here.
WITH latest AS (
    SELECT row_id, field, corrected FROM correction_latest WHERE table_name = 'study'
)
SELECT
    s.id AS study_id,
    s.review_id,
    s.label,
    s.registry_id,
    s.first_author,
    CAST(COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'year'), CAST(s.year AS TEXT)) AS INTEGER) AS year,
    COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'design'), s.design) AS design,
    COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'setting'), s.setting) AS setting,
    COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'status'), s.status) AS status,
    s.review_update_id,
    s.parent_study_id,
    COUNT(c.field) AS corrections
FROM study AS s
LEFT JOIN latest AS c ON c.row_id = s.id
GROUP BY s.id, s.review_id, s.label, s.registry_id, s.first_author, s.year, s.design, s.setting, s.status,
         s.review_update_id, s.parent_study_id
