"""The PostgreSQL full-text index's narrow rows (see search.backends.postgres_index): the
small `rank_head` vector that the first ranking stage reads for every match, the two large
vectors kept out of the row so that counting, facets and that first stage never read them,
and indexes for the newest-first order of a list without words and for a department's list.

Rows written before this migration have an empty `rank_head` until they are written again:
`kaifang searchindex --rebuild` rewrites every row (and moves the large vectors out of it)."""

from importlib import import_module

from django.db import migrations

PostgresOnlySQL = import_module("kaifang.search.migrations.0003_postgres_text").PostgresOnlySQL

TABLE = "search_searchdocument"
IN_ROW = ("name", "title", "title_exact", "state", "open_type", "department_name",
          "department_title", "domain", "update_frequency", "region_codes", "formats",
          "rank_head")  # fmt: skip
NEWEST_INDEX = "search_searchdocument_newest"
DEPARTMENT_INDEXES = {  # a department's list filters by its id or name
    "search_searchdocument_department_id": "department_id",
    "search_searchdocument_department_name": "department_name",
}


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0003_postgres_text"),
    ]

    operations = [
        PostgresOnlySQL(
            sql=[
                f"ALTER TABLE {TABLE} ADD COLUMN rank_head tsvector NOT NULL DEFAULT ''",
                *(f"ALTER TABLE {TABLE} ALTER COLUMN {c} SET STORAGE MAIN" for c in IN_ROW),
                f"ALTER TABLE {TABLE} ALTER COLUMN words SET STORAGE EXTERNAL",
                f"ALTER TABLE {TABLE} ALTER COLUMN rank_words SET STORAGE EXTERNAL",
                f"ALTER TABLE {TABLE} SET (toast_tuple_target = 128)",
                f"CREATE INDEX {NEWEST_INDEX} ON {TABLE} "
                "(published_at DESC NULLS LAST, created_at DESC, name)",
                *(f"CREATE INDEX {n} ON {TABLE} ({c})" for n, c in DEPARTMENT_INDEXES.items()),
            ],
            reverse_sql=[
                *(f"DROP INDEX IF EXISTS {n}" for n in DEPARTMENT_INDEXES),
                f"DROP INDEX IF EXISTS {NEWEST_INDEX}",
                f"ALTER TABLE {TABLE} RESET (toast_tuple_target)",
                f"ALTER TABLE {TABLE} ALTER COLUMN rank_words SET STORAGE EXTENDED",
                f"ALTER TABLE {TABLE} ALTER COLUMN words SET STORAGE EXTENDED",
                *(
                    f"ALTER TABLE {TABLE} ALTER COLUMN {c} SET STORAGE EXTENDED"
                    for c in IN_ROW
                    if c != "rank_head"
                ),  # fmt: skip
                f"ALTER TABLE {TABLE} DROP COLUMN rank_head",
            ],
        ),
    ]
