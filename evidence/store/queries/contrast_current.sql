-- contrast_current: every contrast estimate (HR, OR, RR with its CI) with its
-- recorded corrections applied, one row per contrast_estimate row. A later data
-- cut of a trial is a correction of estimate, ci_low, ci_high and ci_level with
-- its source; the value as first loaded stays in `contrast_estimate`.
WITH latest AS (
    SELECT row_id, field, corrected FROM correction_latest WHERE table_name = 'contrast_estimate'
)
SELECT
    ce.id AS contrast_estimate_id,
    ce.outcome_id,
    ce.study_id,
    ce.variant,
    ce.timepoint,
    ce.measure,
    CAST(COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'estimate'), CAST(ce.estimate AS TEXT)) AS DOUBLE PRECISION) AS estimate,
    CAST(COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'ci_low'), CAST(ce.ci_low AS TEXT)) AS DOUBLE PRECISION) AS ci_low,
    CAST(COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'ci_high'), CAST(ce.ci_high AS TEXT)) AS DOUBLE PRECISION) AS ci_high,
    CAST(COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'ci_level'), CAST(ce.ci_level AS TEXT)) AS DOUBLE PRECISION) AS ci_level,
    COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'population'), ce.population) AS population,
    COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'source_ref'), ce.source_ref) AS source_ref,
    COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'source_quote'), ce.source_quote) AS source_quote,
    ce.report_id,
    ce.review_update_id,
    COUNT(c.field) AS corrections
FROM contrast_estimate AS ce
LEFT JOIN latest AS c ON c.row_id = ce.id
GROUP BY ce.id, ce.timepoint, ce.outcome_id, ce.study_id, ce.variant, ce.measure, ce.estimate, ce.ci_low, ce.ci_high,
         ce.ci_level, ce.population, ce.source_ref, ce.source_quote, ce.report_id, ce.review_update_id
