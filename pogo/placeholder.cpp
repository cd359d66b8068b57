// replaced by pools and the job channel
