"""Typed errors of the domain core.

Every error raised on purpose by ``surveys`` derives from :class:`SurveysError`, so the bot and
the CLI can turn any of them into a friendly message without catching bare ``Exception``::

    SurveysError
    ├── StoreError                 the database cannot be used as asked
    │   ├── SchemaTooNewError      the file was written by a newer release
    │   └── NotFoundError          a row that must exist does not
    ├── DefinitionError            a survey definition file is invalid (file, line, question)
    ├── AnswerError                an answer cannot be accepted (engine validation)
    └── RoundError                 a round is not in a state that allows the action
"""

from __future__ import annotations


class SurveysError(Exception):
    """Root of every deliberate error raised by the domain core."""


class StoreError(SurveysError):
    """The database cannot be used as asked."""


class SchemaTooNewError(StoreError):
    """The database was migrated by a newer release than this one."""


class NotFoundError(StoreError):
    """A row that must exist does not."""
