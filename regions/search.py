"""Indexes for "contains" searches (`icontains`) on PostgreSQL, used by migrations.

Django compares `UPPER(column::text) LIKE UPPER('%…%')`; a GIN index with trigram operators on that same
expression lets PostgreSQL answer it from the index instead of reading every row. It needs the `pg_trgm`
extension (shipped with PostgreSQL; "trusted", so the database owner may create it). Where the extension
cannot be created the search still works, only by reading the table: the migration says so and goes on.
Other databases get nothing.
"""

import sys

from django.db import DatabaseError, transaction


def create_trigram_index(schema_editor, *, table: str, column: str, index: str) -> bool:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return False
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute(f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" '
                           f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)')
    except DatabaseError as error:
        sys.stderr.write(f"  note: no trigram index {index} ({error}); searches on {table}.{column} read the table.\n")
        return False
    return True


def drop_index(schema_editor, index: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f'DROP INDEX IF EXISTS "{index}"')
