-- screening_status: one row per record and stage that anyone screened: how many
-- screeners decided, whether their latest decisions agree, and the final
-- decision: the latest resolver's if there is one, else the screeners' common
-- decision, else NULL (a conflict a third reviewer must resolve). The reason of
-- a final exclusion is the resolver's, or the first screener's that gave one.
WITH latest AS (
    SELECT record_id, stage, reviewer, role, decision, reason, id
    FROM (
        SELECT
            record_id, stage, reviewer, role, decision, reason, id,
            ROW_NUMBER() OVER (PARTITION BY record_id, stage, reviewer, role ORDER BY id DESC) AS position
        FROM screening_decision
    ) AS ranked
    WHERE position = 1
),
screeners AS (
    SELECT
        record_id,
        stage,
        COUNT(*) AS screeners,
        COUNT(DISTINCT decision) AS distinct_decisions,
        MIN(decision) AS decision,
        MIN(reason) FILTER (WHERE decision = 'exclude') AS reason
    FROM latest
    WHERE role = 'screener'
    GROUP BY record_id, stage
),
resolved AS (
    SELECT record_id, stage, decision, reason
    FROM (
        SELECT record_id, stage, decision, reason,
               ROW_NUMBER() OVER (PARTITION BY record_id, stage ORDER BY id DESC) AS position
        FROM latest
        WHERE role = 'resolver'
    ) AS ranked
    WHERE position = 1
)
SELECT
    COALESCE(s.record_id, r.record_id) AS record_id,
    COALESCE(s.stage, r.stage) AS stage,
    COALESCE(s.screeners, 0) AS screeners,
    COALESCE(s.distinct_decisions, 0) > 1 AS conflict,
    r.decision IS NOT NULL AS resolved,
    CASE
        WHEN r.decision IS NOT NULL THEN r.decision
        WHEN s.distinct_decisions = 1 THEN s.decision
    END AS final_decision,
    CASE
        WHEN r.decision IS NOT NULL THEN r.reason
        WHEN s.distinct_decisions = 1 THEN s.reason
    END AS final_reason
FROM screeners AS s
FULL OUTER JOIN resolved AS r ON r.record_id = s.record_id AND r.stage = s.stage
