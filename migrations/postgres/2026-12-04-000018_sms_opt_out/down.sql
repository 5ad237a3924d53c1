DROP TABLE sms_opt_outs;
