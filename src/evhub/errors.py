"""Errors that evhub reports to its users.

Every problem with an input (a dataset file, a scenario file, a command-line
argument) is raised as :class:`InputError`, whose message names the file, the
field and the value. The command line prints that message alone and exits with
a non-zero code; Python users get an ordinary ``ValueError`` subclass.
"""

from __future__ import annotations

__all__ = ["InputError"]


class InputError(ValueError):
    """A bad input, with a message that names the file, the field and the value."""
