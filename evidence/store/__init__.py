"""The store: connecting (DuckDB or PostgreSQL), the schema, its migrations, the SQL views,
the engines' bulk paths and read-only SQL. Knows nothing of reviews' workflows."""
