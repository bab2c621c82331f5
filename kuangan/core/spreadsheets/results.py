"""What an import reports: every problem with its row, column and value, what each row would
do, and the counts. ``as_dict`` is the API's JSON of an import."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar


@dataclass
class Issue:
    row: int  # the row number as the spreadsheet shows it (header row included); 0: the file
    column: str  # the column's name in the file; "": the whole row or file
    value: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RowOutcome:
    """What one row does: ``action`` is "create", "update" or "unchanged"; ``code`` is the
    object's code (blank for a new one until it is written); ``details`` name the object for
    the person (e.g. ``{"name": ...}``); ``changed`` lists the column names that change."""

    row: int
    action: str
    code: str
    changed: list[str] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "action": self.action,
            "code": self.code,
            **self.details,
            "changed": list(self.changed),
        }


@dataclass
class ImportResult:
    """An import's outcome; nothing has been written when ``errors`` is not empty. An importer
    that counts more (e.g. the enterprises of the registry) subclasses it and names its counts
    in ``COUNTS`` and ``CHANGE_COUNTS``."""

    COUNTS: ClassVar[tuple[str, ...]] = ("created", "updated", "unchanged")
    CHANGE_COUNTS: ClassVar[tuple[str, ...]] = ("created", "updated")

    filename: str = ""
    dry_run: bool = False
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    warnings: list[Issue] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    rows: list[RowOutcome] = field(default_factory=list)
    list_rows: bool = False  # ``as_dict`` lists the rows' outcomes under "items"

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changes(self) -> int:
        """How many objects the import creates or changes."""
        return sum(getattr(self, name) for name in self.CHANGE_COUNTS)

    def clear_counts(self) -> None:
        """Nothing was written after all: every count back to 0."""
        for name in self.COUNTS:
            setattr(self, name, 0)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "dry_run": self.dry_run,
            "rows": self.rows_read,
            **{name: getattr(self, name) for name in self.COUNTS},
            "warnings": [w.as_dict() for w in self.warnings],
            "errors": [e.as_dict() for e in self.errors],
        }
        if self.list_rows:
            data["items"] = [r.as_dict() for r in self.rows]
        return data


class ImportRefused(Exception):
    """The file cannot be taken at all (not .xlsx/.csv, too large, a forbidden name, no
    permission); ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status
