-- arm_current: every arm with its recorded corrections applied, one row per arm.
-- The printed value stays in `arm`; the latest correction of a field (highest
-- id in `correction`) overrides it here.
WITH latest AS (
    SELECT row_id, field, corrected FROM correction_latest WHERE table_name = 'arm'
)
SELECT
    a.id AS arm_id,
    a.study_id,
    a.role,
    a.regimen,
    CAST(COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'randomised_n'), CAST(a.randomised_n AS TEXT)) AS INTEGER) AS randomised_n,
    CAST(COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'safety_n'), CAST(a.safety_n AS TEXT)) AS INTEGER) AS safety_n,
    CAST(COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'aged_65_plus'), CAST(a.aged_65_plus AS TEXT)) AS INTEGER) AS aged_65_plus,
    CAST(COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'women'), CAST(a.women AS TEXT)) AS INTEGER) AS women,
    CAST(COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'men'), CAST(a.men AS TEXT)) AS INTEGER) AS men,
    CAST(COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'iss_stage_2plus_pct'), CAST(a.iss_stage_2plus_pct AS TEXT)) AS DOUBLE PRECISION) AS iss_stage_2plus_pct,
    CAST(COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'median_prior_lines'), CAST(a.median_prior_lines AS TEXT)) AS DOUBLE PRECISION) AS median_prior_lines,
    COUNT(c.field) AS corrections
FROM arm AS a
LEFT JOIN latest AS c ON c.row_id = a.id
GROUP BY a.id, a.study_id, a.role, a.regimen, a.randomised_n, a.safety_n, a.aged_65_plus,
         a.women, a.men, a.iss_stage_2plus_pct, a.median_prior_lines
