"""The one error hierarchy of Pilotage.

::

    PilotageError
    ├── UserError            something the user can fix: printed without traceback
    │   ├── WorkspaceError   no workspace, bad config, locked database
    │   ├── InputError       a file that cannot be read at all (names file, line, field, fix)
    │   ├── MappingError     a mapping file that is invalid or unknown
    │   └── ParameterError   a command-line or API parameter out of range
    └── InternalError        a bug in Pilotage: printed with a request to report it

Row-level problems in input files are *not* exceptions: they are quarantined with their reason
(see :mod:`pilotage.store.quarantine`).
"""

from __future__ import annotations


class PilotageError(Exception):
    """Base of every error raised on purpose by Pilotage."""


class UserError(PilotageError):
    """An error the user can fix; the message says what, where and what to do."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        base = super().__str__()
        return f"{base}\n  hint: {self.hint}" if self.hint else base


class WorkspaceError(UserError):
    """The workspace is missing, invalid or cannot be opened."""


class InputError(UserError):
    """An input file cannot be read at all."""


class MappingError(UserError):
    """A mapping file is invalid, or no mapping of that name exists."""


class ParameterError(UserError):
    """A parameter is out of its valid range."""


class InternalError(PilotageError):
    """A bug: an invariant of Pilotage does not hold."""
