-- analysis_input: one row per planned analysis and comparison of an included study
-- with usable data: the two arms' events and totals (dichotomous analyses), or the
-- log ratio and its standard error from an estimate and a CI at the CI's own level
-- (se = (ln high - ln low) / (2 z), z from ci_level; generic inverse variance).
-- Generic estimates on a difference scale (MD, SMD, RD or an unnamed measure, as
-- RevMan's generic inverse-variance outcomes hold them) enter as given.
-- Continuous data give a mean difference (se from the arms' SDs) or RevMan 5's
-- standardised mean difference (Hedges' g with J = 1 - 3/(4N - 9) and
-- var = N/(n1 n2) + g^2/(2(N - 3.94))).
-- A study makes one comparison per pair of arms (view arm_comparison); where an
-- arm is in m pairs of one analysis with data, each pair gets 1/m of its events and
-- participants, as evenly as whole numbers allow (the first pairs by the other
-- arm's label take the remainder): the Cochrane Handbook's split of a shared group
-- (23.3.4). Means and SDs are not split. `comparison` names the pair ("10 mg vs
-- placebo") where the study makes more than one in the analysis, else ''.
-- An analysis pools the data at its time point (NULL: the data that name none).
-- Values and statuses are the current ones: recorded corrections applied.
WITH dichotomous_pairs AS (
    SELECT
        ac.analysis_id,
        ac.study_id,
        ac.experimental_label,
        ac.control_label,
        e.events AS e_events, e.total AS e_total, c.events AS c_events, c.total AS c_total,
        e.derived_from_percent OR c.derived_from_percent AS derived_from_percent,
        COUNT(*) OVER (PARTITION BY ac.analysis_id, ac.study_id) AS pairs,
        COUNT(*) OVER (PARTITION BY ac.analysis_id, ac.experimental_arm_id) AS e_share,
        ROW_NUMBER() OVER (PARTITION BY ac.analysis_id, ac.experimental_arm_id ORDER BY ac.control_label) AS e_part,
        COUNT(*) OVER (PARTITION BY ac.analysis_id, ac.control_arm_id) AS c_share,
        ROW_NUMBER() OVER (PARTITION BY ac.analysis_id, ac.control_arm_id ORDER BY ac.experimental_label) AS c_part
    FROM arm_comparison AS ac
    JOIN analysis AS an ON an.id = ac.analysis_id
    JOIN dichotomous_current AS e
        ON e.arm_id = ac.experimental_arm_id AND e.outcome_id = an.outcome_id AND e.variant = an.variant
        AND e.timepoint = COALESCE(an.timepoint, '')
    JOIN dichotomous_current AS c
        ON c.arm_id = ac.control_arm_id AND c.outcome_id = an.outcome_id AND c.variant = an.variant
        AND c.timepoint = COALESCE(an.timepoint, '')
    WHERE an.measure IN ('RR', 'OR', 'RD', 'PETO')
      AND e.events IS NOT NULL AND e.total IS NOT NULL AND c.events IS NOT NULL AND c.total IS NOT NULL
),
arm_pairs AS (
    SELECT
        analysis_id,
        study_id,
        CASE WHEN pairs > 1 THEN experimental_label || ' vs ' || control_label ELSE '' END AS comparison,
        CAST(FLOOR(CAST(e_events AS DOUBLE PRECISION) / e_share) AS INTEGER)
            + CASE WHEN e_part <= MOD(e_events, e_share) THEN 1 ELSE 0 END AS e_events,
        CAST(FLOOR(CAST(e_total AS DOUBLE PRECISION) / e_share) AS INTEGER)
            + CASE WHEN e_part <= MOD(e_total, e_share) THEN 1 ELSE 0 END AS e_total,
        CAST(FLOOR(CAST(c_events AS DOUBLE PRECISION) / c_share) AS INTEGER)
            + CASE WHEN c_part <= MOD(c_events, c_share) THEN 1 ELSE 0 END AS c_events,
        CAST(FLOOR(CAST(c_total AS DOUBLE PRECISION) / c_share) AS INTEGER)
            + CASE WHEN c_part <= MOD(c_total, c_share) THEN 1 ELSE 0 END AS c_total,
        derived_from_percent
    FROM dichotomous_pairs
),
continuous_pairs AS (
    SELECT
        ac.analysis_id,
        ac.study_id,
        CASE WHEN COUNT(*) OVER (PARTITION BY ac.analysis_id, ac.study_id) > 1
             THEN ac.experimental_label || ' vs ' || ac.control_label ELSE '' END AS comparison,
        e.mean AS e_mean, e.sd AS e_sd, c.mean AS c_mean, c.sd AS c_sd,
        e.n AS e_n_all, c.n AS c_n_all,
        COUNT(*) OVER (PARTITION BY ac.analysis_id, ac.experimental_arm_id) AS e_share,
        ROW_NUMBER() OVER (PARTITION BY ac.analysis_id, ac.experimental_arm_id ORDER BY ac.control_label) AS e_part,
        COUNT(*) OVER (PARTITION BY ac.analysis_id, ac.control_arm_id) AS c_share,
        ROW_NUMBER() OVER (PARTITION BY ac.analysis_id, ac.control_arm_id ORDER BY ac.experimental_label) AS c_part
    FROM arm_comparison AS ac
    JOIN analysis AS an ON an.id = ac.analysis_id
    JOIN continuous_data AS e
        ON e.arm_id = ac.experimental_arm_id AND e.outcome_id = an.outcome_id AND e.variant = an.variant
        AND e.timepoint = COALESCE(an.timepoint, '')
    JOIN continuous_data AS c
        ON c.arm_id = ac.control_arm_id AND c.outcome_id = an.outcome_id AND c.variant = an.variant
        AND c.timepoint = COALESCE(an.timepoint, '')
    WHERE an.measure IN ('MD', 'SMD')
      AND e.mean IS NOT NULL AND c.mean IS NOT NULL AND e.sd IS NOT NULL AND c.sd IS NOT NULL
      AND e.n > 0 AND c.n > 0
),
continuous_split AS (
    SELECT
        analysis_id, study_id, comparison, e_mean, e_sd, c_mean, c_sd,
        CAST(FLOOR(CAST(e_n_all AS DOUBLE PRECISION) / e_share) AS INTEGER)
            + CASE WHEN e_part <= MOD(e_n_all, e_share) THEN 1 ELSE 0 END AS e_n,
        CAST(FLOOR(CAST(c_n_all AS DOUBLE PRECISION) / c_share) AS INTEGER)
            + CASE WHEN c_part <= MOD(c_n_all, c_share) THEN 1 ELSE 0 END AS c_n
    FROM continuous_pairs
),
continuous_arms AS (
    SELECT
        *,
        SQRT(((e_n - 1) * POWER(e_sd, 2) + (c_n - 1) * POWER(c_sd, 2)) / (e_n + c_n - 2.0)) AS pooled_sd
    FROM continuous_split
    WHERE e_n > 0 AND c_n > 0
),
randomised AS (
    SELECT
        study_id,
        CAST(SUM(randomised_n) FILTER (WHERE role = 'experimental') AS INTEGER) AS e_total,
        CAST(SUM(randomised_n) FILTER (WHERE role = 'control') AS INTEGER) AS c_total
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
    p.comparison,
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
JOIN arm_pairs AS p ON p.analysis_id = an.id
JOIN study_current AS sc ON sc.study_id = p.study_id AND sc.status = 'included'
JOIN study AS s ON s.id = sc.study_id
LEFT JOIN study_attribute AS sa ON sa.study_id = s.id AND sa.name = an.subgroup

UNION ALL

SELECT
    an.id AS analysis_id,
    an.review_id,
    an.name AS analysis,
    o.name AS outcome,
    an.measure,
    s.id AS study_id,
    s.label AS study,
    '' AS comparison,
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
    AND ce.timepoint = COALESCE(an.timepoint, '')
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
    '' AS comparison,
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
    AND ge.timepoint = COALESCE(an.timepoint, '')
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
    c.comparison,
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
JOIN continuous_arms AS c ON c.analysis_id = an.id
JOIN study_current AS sc ON sc.study_id = c.study_id AND sc.status = 'included'
JOIN study AS s ON s.id = sc.study_id
LEFT JOIN study_attribute AS sa ON sa.study_id = s.id AND sa.name = an.subgroup
