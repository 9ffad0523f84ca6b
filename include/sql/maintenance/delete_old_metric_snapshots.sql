-- One batch of metric snapshots collected before :cutoff, oldest first (short transactions on a large table).
DELETE FROM servicetitan_metric_snapshots
WHERE id IN (
    SELECT s.id
    FROM servicetitan_metric_snapshots AS s
    WHERE s.collected_at < :cutoff
    ORDER BY s.id
    LIMIT :batch_size
)
