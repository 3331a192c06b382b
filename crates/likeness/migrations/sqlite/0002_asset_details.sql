-- Audit facts beyond the columns: attempts, the fallback chain's earlier failures, the
-- provider's revised prompt and its own facts (usage, finish reason, prompt id). JSON text.
ALTER TABLE assets ADD COLUMN details TEXT;
