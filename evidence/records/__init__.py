"""Citation records: reading exports, importing them, finding and linking duplicates."""
