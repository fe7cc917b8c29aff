"""Turning an uploaded file version into datastore tables.

The pipeline (`pipeline.ingest_version`) is a chain of stages, each a function with one job:

    read (source.py)          the version's file as a local path, checked against the size limit
    → decode (encoding.py)    encoding detected on a sample, transcoded to UTF-8 in a stream
      + dialect (dialect.py)  delimiter and quoting sniffed on a sample       (delimited text)
      readers/                one staging table per sheet, every value text, in file order
                              (delimited text: a view over the file, read once by `types`)
    → types (types.py)        one type per column, or the publisher's override
    → privacy (privacy.py)    the slot for detecting and masking personal data (a later stage)
    → write (write.py)        the immutable Parquet file of the table, from the privacy output
    → exports                 queued for the export jobs; the version is published here
    → profile (profile.py)    nulls, distinct values, min/max and top values, from that file,
                              recorded on the published table when done

Each stage raises `errors.IngestError` with a message in Chinese naming the row, column or byte
at fault; the pipeline catches it, marks the version's tables failed and leaves the resource's
published version where it was.
"""
