"""Errors that end a run with exit code 2 and one clear line, never a traceback."""


class SitescanError(Exception):
    """A usage, configuration or operational error: the message is shown as it is, on one line."""


EXIT_OK = 0
EXIT_FINDINGS = 1  # findings at or above --fail-on
EXIT_ERROR = 2
