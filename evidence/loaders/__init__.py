"""Loaders: files a review team keeps (seed folders, later RIS, MEDLINE, .rm5) into the store."""
