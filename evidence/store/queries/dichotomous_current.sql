-- dichotomous_current: every events/total row with its recorded corrections
-- applied, one row per dichotomous_data row. The value as first loaded stays in
-- `dichotomous_data`; the latest correction of a field (highest id) counts here,
-- and every analysis reads this view.
WITH latest AS (
    SELECT row_id, field, corrected FROM correction_latest WHERE table_name = 'dichotomous_data'
)
SELECT
    d.id AS dichotomous_data_id,
    d.outcome_id,
    d.arm_id,
    d.variant,
    d.timepoint,
    CAST(COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'events'), CAST(d.events AS TEXT)) AS INTEGER) AS events,
    CAST(COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'total'), CAST(d.total AS TEXT)) AS INTEGER) AS total,
    CAST(COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'percent'), CAST(d.percent AS TEXT)) AS DOUBLE PRECISION) AS percent,
    COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'derived_from_percent') = 'true', d.derived_from_percent) AS derived_from_percent,
    COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'population'), d.population) AS population,
    COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'source_ref'), d.source_ref) AS source_ref,
    COALESCE(MAX(c.corrected) FILTER (WHERE c.field = 'source_quote'), d.source_quote) AS source_quote,
    d.report_id,
    d.review_update_id,
    COUNT(c.field) AS corrections
FROM dichotomous_data AS d
LEFT JOIN latest AS c ON c.row_id = d.id
GROUP BY d.id, d.timepoint, d.outcome_id, d.arm_id, d.variant, d.events, d.total, d.percent, d.derived_from_percent,
         d.population, d.source_ref, d.source_quote, d.report_id, d.review_update_id
