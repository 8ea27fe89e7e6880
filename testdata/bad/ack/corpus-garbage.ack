Dear SDU, please find our payment attached.
Thanks!
