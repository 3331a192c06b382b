-- Idle workers sleep on LISTEN likeness_work instead of polling: a job becoming queued (planned,
-- retried, handed back) wakes them at commit. Identical notifications of one transaction are
-- delivered once, so planning 100,000 jobs sends one. Polling stays as the safety net.
CREATE FUNCTION likeness_work_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('likeness_work', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER jobs_work_notify
    AFTER INSERT OR UPDATE OF status ON jobs
    FOR EACH ROW WHEN (NEW.status = 'queued')
    EXECUTE FUNCTION likeness_work_notify();
