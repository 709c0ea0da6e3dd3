"""File formats: reading (and writing) the files a review team brings, without a database.

Seed folders, citation exports (RIS, MEDLINE, CSV), RevMan 5 files and the `meta`
CSV. Bad input raises InputError naming the file, row and field.
"""
