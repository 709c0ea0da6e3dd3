-- latest_result: the pooled results of each review's most recent analysis run,
-- one row per analysis and model, with the published figures beside them.
WITH latest_run AS (
    SELECT review_id, MAX(id) AS run_id FROM analysis_run GROUP BY review_id
)
SELECT
    r.review_id,
    r.run_id,
    an.name AS analysis,
    o.name AS outcome,
    pr.model,
    pr.chosen,
    pr.k,
    pr.participants,
    pr.measure,
    pr.estimate,
    pr.ci_low,
    pr.ci_high,
    pr.p,
    pr.q,
    pr.q_df,
    pr.q_p,
    pr.i2,
    pr.tau2,
    pub.k AS published_k,
    pub.model AS published_model,
    pub.estimate AS published_estimate,
    pub.ci_low AS published_ci_low,
    pub.ci_high AS published_ci_high,
    pub.i2_text AS published_i2,
    pub.p_text AS published_p
FROM latest_run AS r
JOIN pooled_result AS pr ON pr.run_id = r.run_id
JOIN analysis AS an ON an.id = pr.analysis_id
JOIN outcome AS o ON o.id = an.outcome_id
LEFT JOIN published_result AS pub ON pub.analysis_id = an.id AND pub.subgroup IS NULL
