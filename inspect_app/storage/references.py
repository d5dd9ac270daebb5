"""Which table columns hold storage keys: backups archive exactly the files these rows name."""

from __future__ import annotations

import re

#: table name → the columns of that table holding storage keys (NULL or "" means no file).
FILE_COLUMNS: dict[str, tuple[str, ...]] = {}

_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def register_file_columns(table: str, *columns: str) -> None:
    """Declare that ``table``'s ``columns`` hold storage keys (call it beside the model)."""
    for name in (table, *columns):
        if not _NAME.fullmatch(name):
            raise ValueError(f"Not a plain SQL name: {name!r}")
    FILE_COLUMNS[table] = tuple(dict.fromkeys((*FILE_COLUMNS.get(table, ()), *columns)))


def referenced_keys_sql(tables: set[str]) -> list[str]:
    """One SELECT per registered column of the tables that exist, each giving keys."""
    return [
        f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL AND {column} != ''"  # noqa: S608  # nosec B608  # names checked at registration
        for table, columns in sorted(FILE_COLUMNS.items())
        if table in tables
        for column in columns
    ]
