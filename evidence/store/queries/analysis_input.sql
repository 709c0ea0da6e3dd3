-- analysis_input: one row per planned analysis and included study with usable
-- data: the two arms' events and totals (dichotomous analyses), or the log ratio
-- and its standard error from an estimate and a CI at the CI's own level
-- (se = (ln high - ln low) / (2 z), z from ci_level; generic inverse variance).
-- Generic estimates on a difference scale (MD, SMD, RD or an unnamed measure, as
-- RevMan's generic inverse-variance outcomes hold them) enter as given.
-- Continuous data give a mean difference (se from the arms' SDs) or RevMan 5's
-- standardised mean difference (Hedges' g with J = 1 - 3/(4N - 9) and
-- var = N/(n1 n2) + g^2/(2(N - 3.94))).
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
    'generic' AS data_kind,
    CAST(NULL AS INTEGER) AS e_events,
    r.e_total,
    CAST(NULL AS INTEGER) AS c_events,
    r.c_total,
    ge.estimate AS yi,
    ge.se,
    r.e_total + r.c_total AS participants,
    FALSE AS derived_from_percent
FROM analysis AS an
JOIN outcome AS o ON o.id = an.outcome_id
JOIN generic_estimate AS ge
    ON ge.outcome_id = an.outcome_id AND ge.variant = an.variant AND ge.measure = an.measure
JOIN study_current AS sc ON sc.study_id = ge.study_id AND sc.status = 'included'
JOIN study AS s ON s.id = sc.study_id
LEFT JOIN randomised AS r ON r.study_id = s.id
LEFT JOIN study_attribute AS sa ON sa.study_id = s.id AND sa.name = an.subgroup
WHERE ge.estimate IS NOT NULL AND ge.se > 0

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
    'continuous' AS data_kind,
    CAST(NULL AS INTEGER) AS e_events,
    c.e_n AS e_total,
    CAST(NULL AS INTEGER) AS c_events,
    c.c_n AS c_total,
    CASE WHEN an.measure = 'MD' THEN c.e_mean - c.c_mean
         ELSE (1 - 3.0 / (4 * (c.e_n + c.c_n) - 9)) * (c.e_mean - c.c_mean) / NULLIF(c.pooled_sd, 0) END AS yi,
    CASE WHEN an.measure = 'MD' THEN SQRT(c.e_sd * c.e_sd / c.e_n + c.c_sd * c.c_sd / c.c_n)
         ELSE SQRT(CAST(c.e_n + c.c_n AS DOUBLE PRECISION) / (c.e_n * c.c_n)
                   + POWER((1 - 3.0 / (4 * (c.e_n + c.c_n) - 9)) * (c.e_mean - c.c_mean) / NULLIF(c.pooled_sd, 0), 2)
                     / (2 * (c.e_n + c.c_n - 3.94))) END AS se,
    c.e_n + c.c_n AS participants,
    FALSE AS derived_from_percent
FROM analysis AS an
JOIN outcome AS o ON o.id = an.outcome_id
JOIN (
    SELECT
        d.outcome_id,
        d.variant,
        a.study_id,
        MAX(d.mean) FILTER (WHERE a.role = 'experimental') AS e_mean,
        MAX(d.sd) FILTER (WHERE a.role = 'experimental') AS e_sd,
        MAX(d.n) FILTER (WHERE a.role = 'experimental') AS e_n,
        MAX(d.mean) FILTER (WHERE a.role = 'control') AS c_mean,
        MAX(d.sd) FILTER (WHERE a.role = 'control') AS c_sd,
        MAX(d.n) FILTER (WHERE a.role = 'control') AS c_n,
        SQRT(((MAX(d.n) FILTER (WHERE a.role = 'experimental') - 1) * POWER(MAX(d.sd) FILTER (WHERE a.role = 'experimental'), 2)
              + (MAX(d.n) FILTER (WHERE a.role = 'control') - 1) * POWER(MAX(d.sd) FILTER (WHERE a.role = 'control'), 2))
             / (MAX(d.n) FILTER (WHERE a.role = 'experimental') + MAX(d.n) FILTER (WHERE a.role = 'control') - 2.0)) AS pooled_sd
    FROM continuous_data AS d
    JOIN arm AS a ON a.id = d.arm_id
    GROUP BY d.outcome_id, d.variant, a.study_id
) AS c ON c.outcome_id = an.outcome_id AND c.variant = an.variant
JOIN study_current AS sc ON sc.study_id = c.study_id AND sc.status = 'included'
JOIN study AS s ON s.id = sc.study_id
LEFT JOIN study_attribute AS sa ON sa.study_id = s.id AND sa.name = an.subgroup
WHERE an.measure IN ('MD', 'SMD')
  AND c.e_mean IS NOT NULL AND c.c_mean IS NOT NULL AND c.e_sd IS NOT NULL AND c.c_sd IS NOT NULL
  AND c.e_n > 0 AND c.c_n > 0
