DELETE FROM secrets WHERE name = 'sms_opt_out';
