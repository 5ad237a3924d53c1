-- The deployment's secret for SMS opt-out keys: an HMAC of the number
-- rather than a plain hash, so that the table cannot be searched by
-- hashing every mobile number. Opt-outs written before stay honoured
-- under their plain hash.
INSERT INTO secrets (name, value) VALUES ('sms_opt_out', md5(gen_random_uuid()::text) || md5(gen_random_uuid()::text));
