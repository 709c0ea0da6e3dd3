"""Named exceptions. Each message is one sentence a user can act on.

The CLI (evidence.cli) turns every EvidenceError into one line on stderr and
its exit code, in one place; nothing else in the package prints errors.
"""


class EvidenceError(Exception):
    """Base of every error a user should see as one clear line."""

    exit_code = 1


class InputError(EvidenceError):
    """A file or value a user gave is malformed: the message names file, row, field and problem."""

    exit_code = 2


class DatabaseMissingError(EvidenceError):
    """The database does not exist or has no schema yet: run `evidence init`."""

    exit_code = 3


class DatabaseLockedError(EvidenceError):
    """Another process holds the DuckDB file for writing."""

    exit_code = 4


class ReadOnlyError(EvidenceError):
    """A statement given to `evidence sql` would write."""

    exit_code = 5


class NotFoundError(EvidenceError):
    """A review, analysis or run that was named does not exist."""

    exit_code = 6


class AlreadyLoadedError(EvidenceError):
    """The same seed folder was loaded before with different content."""

    exit_code = 7
