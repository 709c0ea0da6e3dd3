-- correction_latest: the correction that counts for each corrected field of
-- each row (the latest recorded, highest id), one row per table, row and field.
-- The *_current views apply these to their tables.
SELECT review_id, table_name, row_id, field, corrected
FROM (
    SELECT review_id, table_name, row_id, field, corrected,
           ROW_NUMBER() OVER (PARTITION BY table_name, row_id, field ORDER BY id DESC) AS position
    FROM correction
) AS ranked
WHERE position = 1
