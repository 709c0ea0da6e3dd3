"""The pure core: numbers in, numbers out. No database, no files, no screen.

The pooling engine, trial sequential analysis, duplicate matching, agreement
statistics, GRADE rules and the `meta` calculator. Imports only numpy, scipy and
the package's errors.
"""
