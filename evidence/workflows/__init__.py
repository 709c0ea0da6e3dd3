"""The review's workflows on the store: load and update, import records and RevMan files,
deduplicate, screen, pool and explain, PRISMA, audit, diff, history, summary of findings, TSA.

Each public function takes an engine (or a connection inside the caller's transaction)
and returns plain results; nothing here prints or draws.
"""
