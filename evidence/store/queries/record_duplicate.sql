-- record_duplicate: each record's current duplicate status, from the append-only
-- duplicate_link story: the latest link/unlink row of the record decides; one
-- row per record that is currently a duplicate, naming the record it duplicates.
SELECT record_id, other_record_id AS duplicate_of, method, decided_by, decided_at
FROM (
    SELECT
        record_id,
        other_record_id,
        action,
        method,
        decided_by,
        decided_at,
        ROW_NUMBER() OVER (PARTITION BY record_id ORDER BY id DESC) AS position
    FROM duplicate_link
    WHERE action IN ('link', 'unlink')
) AS story
WHERE position = 1 AND action = 'link'
