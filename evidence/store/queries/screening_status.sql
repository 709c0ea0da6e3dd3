-- screening_status: one row per record and stage that anyone screened: how many
-- screeners decided, whether their latest decisions agree, the review's mode for
-- the stage (single or dual; NULL in the review means single), and the final
-- decision: the latest resolver's if there is one, else the screeners' common
-- decision once enough screeners made it (one under single screening, two under
-- dual), else NULL: the record is awaiting (a second screener, or a resolver for
-- a conflict). The reason of a final exclusion is the resolver's, else the
-- alphabetically first the screeners gave.
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
),
combined AS (
    SELECT
        COALESCE(s.record_id, r.record_id) AS record_id,
        COALESCE(s.stage, r.stage) AS stage,
        COALESCE(s.screeners, 0) AS screeners,
        COALESCE(s.distinct_decisions, 0) AS distinct_decisions,
        s.decision AS screened,
        s.reason AS screened_reason,
        r.decision AS resolved,
        r.reason AS resolved_reason
    FROM screeners AS s
    FULL OUTER JOIN resolved AS r ON r.record_id = s.record_id AND r.stage = s.stage
),
moded AS (
    SELECT
        c.*,
        CASE c.stage
            WHEN 'title_abstract' THEN COALESCE(rv.screening_title_abstract, 'single')
            ELSE COALESCE(rv.screening_full_text, 'single')
        END AS mode
    FROM combined AS c
    JOIN record AS rec ON rec.id = c.record_id
    JOIN search AS se ON se.id = rec.search_id
    JOIN review_update AS u ON u.id = se.review_update_id
    JOIN review AS rv ON rv.id = u.review_id
),
decided AS (
    SELECT
        *,
        CASE
            WHEN resolved IS NOT NULL THEN resolved
            WHEN distinct_decisions = 1 AND screeners >= (CASE mode WHEN 'dual' THEN 2 ELSE 1 END) THEN screened
        END AS final_decision,
        CASE
            WHEN resolved IS NOT NULL THEN resolved_reason
            WHEN distinct_decisions = 1 AND screeners >= (CASE mode WHEN 'dual' THEN 2 ELSE 1 END) THEN screened_reason
        END AS final_reason
    FROM moded
)
SELECT
    record_id,
    stage,
    screeners,
    distinct_decisions > 1 AS conflict,
    resolved IS NOT NULL AS resolved,
    final_decision,
    final_reason,
    mode,
    final_decision IS NULL AS awaiting
FROM decided
