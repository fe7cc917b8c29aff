"""The catalog spreadsheet (目录表格): the catalog in the national catalog guide's layout, one row
per resource entry, exported as XLSX or CSV and imported back with a report per row and column.

`columns` derives the columns from the metadata schema's `guide:` mappings and the guide's
element order; `rows` is the row model (a dataset ↔ its rows), reusable by any source of
catalog-guide metadata; `reader`, `export` and `services` read, write and import files.
"""
