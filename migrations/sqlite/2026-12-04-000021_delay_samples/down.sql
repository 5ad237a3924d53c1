DROP TABLE delay_samples;
