DROP INDEX outbox_subscription_idx;
ALTER TABLE outbox DROP COLUMN response_status;
ALTER TABLE outbox DROP COLUMN subscription_id;
DROP TABLE webhook_subscriptions;
