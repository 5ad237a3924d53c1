-- SQLite dialect of the PostgreSQL migration of the same name (identical here).
-- Mobile numbers whose owner asked for no more SMS: the number's key (a
-- hash of its E.164 form, see planipref_domain::messages::opt_out_key),
-- not the number, and when. Checked whenever an SMS is owed; the
-- number's pending SMS are cancelled when it is written.
CREATE TABLE sms_opt_outs (
    phone_key    TEXT PRIMARY KEY NOT NULL,
    opted_out_at TIMESTAMP NOT NULL
);
