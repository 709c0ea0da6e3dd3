-- latest_cumulative: the cumulative meta-analysis of every analysis in each
-- review's most recent run that stored one, one row per analysis, step and
-- model: step j pools the first j studies in publication order (the study
-- named is the one step j adds); `chosen` is the review's rule at that step.
WITH latest_run AS (
    SELECT review_id, MAX(id) AS run_id
    FROM analysis_run AS ar
    WHERE EXISTS (SELECT 1 FROM cumulative_result AS c WHERE c.run_id = ar.id)
    GROUP BY review_id
)
SELECT
    r.review_id,
    r.run_id,
    an.name AS analysis,
    o.name AS outcome,
    an.measure,
    c.step,
    s.label AS study,
    c.year,
    c.model,
    c.chosen,
    c.k,
    c.participants,
    c.estimate,
    c.ci_low,
    c.ci_high,
    c.p,
    c.i2,
    c.tau2
FROM latest_run AS r
JOIN cumulative_result AS c ON c.run_id = r.run_id
JOIN analysis AS an ON an.id = c.analysis_id
JOIN outcome AS o ON o.id = an.outcome_id
JOIN study AS s ON s.id = c.study_id
