-- arm_comparison: the arm pairs each analysis compares in each study: the pairs
-- analysis_comparison names for the study, else every experimental arm against
-- every control arm. A two-arm trial makes one pair; a trial with two doses and a
-- placebo makes two, which analysis_input enters as two comparisons with the
-- shared placebo arm split between them.
WITH chosen AS (
    SELECT analysis_id, study_id, experimental_arm_id, control_arm_id FROM analysis_comparison
),
pairs AS (
    SELECT * FROM chosen
    UNION ALL
    SELECT an.id, s.id, e.id, c.id
    FROM analysis AS an
    JOIN study AS s ON s.review_id = an.review_id
    JOIN arm AS e ON e.study_id = s.id AND e.role = 'experimental'
    JOIN arm AS c ON c.study_id = s.id AND c.role = 'control'
    WHERE NOT EXISTS (SELECT 1 FROM chosen AS x WHERE x.analysis_id = an.id AND x.study_id = s.id)
)
SELECT
    p.analysis_id,
    p.study_id,
    p.experimental_arm_id,
    e.label AS experimental_label,
    p.control_arm_id,
    c.label AS control_label
FROM pairs AS p
JOIN arm AS e ON e.id = p.experimental_arm_id
JOIN arm AS c ON c.id = p.control_arm_id
