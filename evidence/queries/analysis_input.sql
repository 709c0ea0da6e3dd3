-- analysis_input: one row per planned analysis and included study with usable
-- data: the two arms' events and totals (dichotomous analyses), or the log ratio
-- and its standard error from an estimate and a CI at the CI's own level
-- (se = (ln high - ln low) / (2 z), z from ci_level; generic inverse variance).
-- Values and statuses are the current ones: recorded corrections applied.
WITH arm_pairs AS (
    SELECT
        d.outcome_id,
        d.variant,
        a.study_id,
        MAX(d.events) FILTER (WHERE a.role = 'experimental') AS e_events,
        MAX(d.total) FILTER (WHERE a.role = 'experimental') AS e_total,
        MAX(d.events) FILTER (WHERE a.role = 'control') AS c_events,
        MAX(d.total) FILTER (WHERE a.role = 'control') AS c_total,
        BOOL_OR(d.derived_from_percent) AS derived_from_percent
    FROM dichotomous_current AS d
    JOIN arm AS a ON a.id = d.arm_id
    GROUP BY d.outcome_id, d.variant, a.study_id
),
randomised AS (
    SELECT
        study_id,
        MAX(randomised_n) FILTER (WHERE role = 'experimental') AS e_total,
        MAX(randomised_n) FILTER (WHERE role = 'control') AS c_total
    FROM arm_current
    GROUP BY study_id
)
SELECT
    an.id AS analysis_id,
    an.review_id,
    an.name AS analysis,
    o.name AS outcome,
    an.measure,
    s.id AS study_id,
    s.label AS study,
    sa.value AS subgroup,
    'dichotomous' AS data_kind,
    p.e_events,
    p.e_total,
    p.c_events,
    p.c_total,
    CAST(NULL AS DOUBLE PRECISION) AS yi,
    CAST(NULL AS DOUBLE PRECISION) AS se,
    p.e_total + p.c_total AS participants,
    p.derived_from_percent
FROM analysis AS an
JOIN outcome AS o ON o.id = an.outcome_id
JOIN arm_pairs AS p ON p.outcome_id = an.outcome_id AND p.variant = an.variant
JOIN study_current AS sc ON sc.study_id = p.study_id AND sc.status = 'included'
JOIN study AS s ON s.id = sc.study_id
LEFT JOIN study_attribute AS sa ON sa.study_id = s.id AND sa.name = an.subgroup
WHERE an.measure IN ('RR', 'OR', 'RD', 'PETO')
  AND p.e_events IS NOT NULL AND p.e_total IS NOT NULL
  AND p.c_events IS NOT NULL AND p.c_total IS NOT NULL

UNION ALL

SELECT
    an.id AS analysis_id,
    an.review_id,
    an.name AS analysis,
    o.name AS outcome,
    an.measure,
    s.id AS study_id,
    s.label AS study,
    sa.value AS subgroup,
    'contrast' AS data_kind,
    CAST(NULL AS INTEGER) AS e_events,
    r.e_total,
    CAST(NULL AS INTEGER) AS c_events,
    r.c_total,
    LN(ce.estimate) AS yi,
    (LN(ce.ci_high) - LN(ce.ci_low)) / (2 * l.z) AS se,
    r.e_total + r.c_total AS participants,
    FALSE AS derived_from_percent
FROM analysis AS an
JOIN outcome AS o ON o.id = an.outcome_id
JOIN contrast_current AS ce
    ON ce.outcome_id = an.outcome_id AND ce.variant = an.variant AND ce.measure = an.measure
JOIN ci_level AS l ON l.level = ce.ci_level
JOIN study_current AS sc ON sc.study_id = ce.study_id AND sc.status = 'included'
JOIN study AS s ON s.id = sc.study_id
LEFT JOIN randomised AS r ON r.study_id = s.id
LEFT JOIN study_attribute AS sa ON sa.study_id = s.id AND sa.name = an.subgroup
WHERE an.measure IN ('HR', 'OR', 'RR')
  AND ce.estimate IS NOT NULL AND ce.ci_low > 0 AND ce.ci_high > ce.ci_low
