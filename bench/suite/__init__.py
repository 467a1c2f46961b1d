"""Helpers of bench/suite.py: the bulk data generator, the servers, the load generator and the sections."""
