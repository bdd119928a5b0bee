"""Errors every layer understands: refused input lists every problem, not just the first."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    """One problem with one field of one input row, located precisely enough to fix."""

    field: str
    reason: str
    value: str | None = None
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = ":".join(str(part) for part in (self.file, self.line) if part is not None)
        shown = "" if self.value is None else f" (value {self.value[:80]!r})"
        prefix = f"{where}: " if where else ""
        return f"{prefix}{self.field}: {self.reason}{shown}"


class ReachableError(Exception):
    """Base class for errors with a message meant for the person using the system."""


@dataclass
class InputRejected(ReachableError):
    """Input was refused; nothing was written. Carries every error found."""

    errors: list[FieldError] = field(default_factory=list)

    def __str__(self) -> str:
        head = f"input refused with {len(self.errors)} error(s); nothing was written"
        return "\n".join([head, *(f"  {error}" for error in self.errors[:200])])


class NotFound(ReachableError):
    """The requested object does not exist (or the caller may not know it exists)."""


class Conflict(ReachableError):
    """The change conflicts with the current state, e.g. a decision already taken."""
