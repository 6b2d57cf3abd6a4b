"""Which NATS subjects the actions may publish to and the trigger may subscribe to.

nats-server refuses a malformed subject only asynchronously (or, for a
subscription, by closing the connection), so both are checked before
anything is sent: tokens separated by dots, none empty, no whitespace;
`*` (one token) and `>` (the rest, last token only) only where a
subscription is meant.
"""

from __future__ import annotations

import re
from typing import Final

WILDCARD_ONE: Final = "*"
WILDCARD_REST: Final = ">"
_WHITESPACE: Final = re.compile(r"\s")


def subject_problem(subject: str, *, wildcards: bool) -> str | None:
    """Return why subject cannot be used, or None when it can."""
    if not subject:
        return "it is empty"
    if _WHITESPACE.search(subject) or "\0" in subject:
        return "it contains whitespace or a control character"
    tokens = subject.split(".")
    if any(not token for token in tokens):
        return "it has an empty token (a leading, trailing or double dot)"
    if not wildcards:
        if any(token in (WILDCARD_ONE, WILDCARD_REST) for token in tokens):
            return "wildcards (* and >) only match subjects; a message goes to one subject"
        return None
    if WILDCARD_REST in tokens[:-1]:
        return "> may only be the last token"
    return None
