"""For the tests (and the README tour's checks): stores built once and copied, the CLI run in-process,
and a throwaway PostgreSQL server."""
