-- study_inclusion: each study's status at the end of each update of its review,
-- one row per update and study that existed by then. A study enters with the
-- status of the update that added it; a correction of its status recorded in a
-- later update (an exclusion needs a reason) changes it from that update on.
-- PRISMA for updated reviews counts previous, new and dropped studies from here.
-- Further comparisons of a multi-arm study (parent_study_id) are not studies of their own.
WITH changes AS (
    SELECT s.id AS study_id, u.number AS update_number, 0 AS sequence, s.status
    FROM study AS s
    JOIN review_update AS u ON u.id = s.review_update_id
    UNION ALL
    SELECT c.row_id, u.number, c.id, c.corrected
    FROM correction AS c
    JOIN review_update AS u ON u.id = c.review_update_id
    WHERE c.table_name = 'study' AND c.field = 'status'
),
ranked AS (
    SELECT
        u.review_id,
        u.id AS review_update_id,
        u.number AS update_number,
        ch.study_id,
        ch.status,
        ch.update_number AS status_since,
        ROW_NUMBER() OVER (PARTITION BY u.id, ch.study_id ORDER BY ch.update_number DESC, ch.sequence DESC) AS position
    FROM review_update AS u
    JOIN study AS s ON s.review_id = u.review_id AND s.parent_study_id IS NULL
    JOIN changes AS ch ON ch.study_id = s.id AND ch.update_number <= u.number
)
SELECT review_id, review_update_id, update_number, study_id, status, status_since
FROM ranked
WHERE position = 1
