-- When the purge last looked at an audit entry for applicants' data, once
-- its identity's retention had passed: each entry is looked at once, so
-- that entries whose text only looks personal (the word "applicant" as a
-- value) never hold back those behind them.
ALTER TABLE audit_events ADD COLUMN pseudonymised_at TIMESTAMP;
