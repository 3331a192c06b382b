-- `generate --max-cost`: the budget belongs to the run, so every process working the run's
-- jobs (the batch itself, `serve`s, `likeness worker`s elsewhere) reserves from the same sum.
ALTER TABLE runs ADD COLUMN max_cost_usd double precision;
ALTER TABLE runs ADD COLUMN budget_reserved_usd double precision NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN budget_spent_usd double precision NOT NULL DEFAULT 0;
-- Set when a reservation was refused: claims skip the run's jobs until a new budget is set.
ALTER TABLE runs ADD COLUMN budget_reached boolean NOT NULL DEFAULT false;
