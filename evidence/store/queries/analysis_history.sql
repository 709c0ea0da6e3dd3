-- analysis_history: each analysis's chosen estimate in every run, oldest first:
-- when it ran, from which update, with which software and inputs (hash).
SELECT
    ar.review_id,
    ar.id AS run_id,
    ar.started_at,
    ar.review_update_id,
    u.number AS update_number,
    ar.software_version,
    ar.inputs_hash,
    an.name AS analysis,
    pr.model,
    pr.k,
    pr.participants,
    pr.estimate,
    pr.ci_low,
    pr.ci_high,
    pr.p,
    pr.i2,
    pr.tau2
FROM analysis_run AS ar
JOIN pooled_result AS pr ON pr.run_id = ar.id AND pr.chosen
JOIN analysis AS an ON an.id = pr.analysis_id
LEFT JOIN review_update AS u ON u.id = ar.review_update_id
