"""Errors a user can fix: the CLI turns each into one line and its exit code (2 unless said otherwise)."""


class LstmclsError(Exception):
    """Base class: the message alone must tell the user what is wrong and what to do."""

    exit_code = 2


class ConfigError(LstmclsError):
    """The config (file, key, type or value) is wrong."""


class DataError(LstmclsError):
    """The data (file, column, row or label) is wrong or missing."""


class RunError(LstmclsError):
    """A run directory is missing, incomplete or unreadable."""


class TrainingInterrupted(LstmclsError):
    """Training stopped on Ctrl-C or SIGTERM; the message gives the resume command."""

    exit_code = 130
