DROP INDEX outbox_prefecture_created_idx;
DROP TABLE purge_runs;
ALTER TABLE convocations DROP COLUMN erased_at;
ALTER TABLE reservations DROP COLUMN erased_at;
ALTER TABLE prefectures DROP COLUMN retention_audit_months;
ALTER TABLE prefectures DROP COLUMN retention_message_months;
ALTER TABLE prefectures DROP COLUMN retention_identity_months;
