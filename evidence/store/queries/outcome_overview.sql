-- outcome_overview: per outcome, how many included studies have usable data
-- (primary variant), the participants and events behind them, how many values
-- were derived from percentages, and how many were looked for and not found.
-- Values and statuses are the current ones: recorded corrections applied.
WITH included AS (
    SELECT review_id, COUNT(*) AS studies_included FROM study_current WHERE status = 'included' AND parent_study_id IS NULL GROUP BY review_id
),
arm_values AS (
    SELECT
        d.outcome_id,
        a.study_id,
        d.events,
        d.total,
        a.role,
        d.derived_from_percent,
        (d.events IS NULL OR d.total IS NULL) AS missing
    FROM dichotomous_current AS d
    JOIN arm AS a ON a.id = d.arm_id
    JOIN study_current AS s ON s.study_id = a.study_id AND s.status = 'included'
    WHERE d.variant = 'primary'
),
dichotomous AS (
    SELECT
        outcome_id,
        COUNT(DISTINCT study_id) FILTER (WHERE NOT missing) AS studies_with_data,
        SUM(total) FILTER (WHERE NOT missing) AS participants,
        SUM(events) FILTER (WHERE NOT missing AND role = 'experimental') AS events_experimental,
        SUM(events) FILTER (WHERE NOT missing AND role = 'control') AS events_control,
        COUNT(*) FILTER (WHERE derived_from_percent) AS derived_values,
        COUNT(*) FILTER (WHERE missing) AS missing_values
    FROM arm_values
    GROUP BY outcome_id
),
contrast AS (
    SELECT
        ce.outcome_id,
        COUNT(DISTINCT ce.study_id) FILTER (WHERE ce.estimate IS NOT NULL) AS studies_with_data,
        COUNT(*) FILTER (WHERE ce.estimate IS NULL) AS missing_values
    FROM contrast_current AS ce
    JOIN study_current AS s ON s.study_id = ce.study_id AND s.status = 'included'
    WHERE ce.variant = 'primary'
    GROUP BY ce.outcome_id
)
SELECT
    o.review_id,
    o.id AS outcome_id,
    o.name AS outcome,
    o.label,
    o.kind,
    o.measure,
    COALESCE(i.studies_included, 0) AS studies_included,
    COALESCE(d.studies_with_data, 0) + COALESCE(c.studies_with_data, 0) AS k,
    d.participants,
    d.events_experimental,
    d.events_control,
    COALESCE(d.derived_values, 0) AS derived_values,
    COALESCE(d.missing_values, 0) + COALESCE(c.missing_values, 0) AS missing_values
FROM outcome AS o
LEFT JOIN included AS i ON i.review_id = o.review_id
LEFT JOIN dichotomous AS d ON d.outcome_id = o.id
LEFT JOIN contrast AS c ON c.outcome_id = o.id
