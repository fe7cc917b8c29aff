"""Indexes for suggestions as one types from the PostgreSQL full-text index (see
search.backends.postgres_suggest): the suggestion order (downloads, then name), a title's
prefix (a btree with text_pattern_ops, so LIKE 'x%' uses it under any collation) and a GIN
index on a title's characters for a title holding the text typed. Built from columns every
row already has: nothing to rebuild."""

from importlib import import_module

from django.db import migrations

PostgresOnlySQL = import_module("kaifang.search.migrations.0003_postgres_text").PostgresOnlySQL

TABLE = "search_searchdocument"
INDEXES = {
    "search_searchdocument_suggest_order": "(download_count DESC, name)",
    "search_searchdocument_title_prefix": "(title_exact text_pattern_ops)",
    "search_searchdocument_title_chars": "USING gin (string_to_array(title_exact, NULL))",
}


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0004_postgres_rank_head"),
    ]

    operations = [
        PostgresOnlySQL(
            sql=[f"CREATE INDEX {name} ON {TABLE} {how}" for name, how in INDEXES.items()],
            reverse_sql=[f"DROP INDEX IF EXISTS {name}" for name in INDEXES],
        ),
    ]
