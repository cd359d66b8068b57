// replaced by the SAPI
