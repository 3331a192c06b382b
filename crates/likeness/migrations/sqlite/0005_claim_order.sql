-- Claims across all runs (`likeness worker`, `serve`) take the first queued job by
-- (run_after, seq). Without seq in the index SQLite sorted every queued job on each claim (a
-- temporary B-tree: O(queued) per claim), so a deep queue drained quadratically; with it the
-- claim reads the first index entry. Found by bench/queue.sh (10,000 no-op jobs: 479 → ~2,000
-- jobs/s). PostgreSQL's jobs_due is (run_after, seq) WHERE status = 'queued' already.
DROP INDEX jobs_due;
CREATE INDEX jobs_due ON jobs (status, run_after, seq);
