"""The datastore benchmark: our ingest and rows API against PostgreSQL COPY (the xloader path)
and sqlite-utils + Datasette, on the same generated file. `run.py` is the command."""
