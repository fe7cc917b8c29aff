"""Stage `privacy`: the slot where personal data will be found and masked.

Detecting personal information (ID card and phone numbers, names, addresses) and masking it
before anything is published is its own piece of work, planned as a later stage. Until it
lands this stage passes the staged table through unchanged — but it is a real step of the
chain: every stage after it (write, profile, exports and everything derived from them) reads
the relation this function returns, never the staged upload directly, so masking added here
reaches every public output."""

from __future__ import annotations

from kaifang.datastore.ingest.job import Job, Staged
from kaifang.datastore.ingest.types import Column


def apply_privacy(job: Job, staged: Staged, columns: list[Column]) -> str:
    """The relation the later stages read: for now the staged table itself."""
    job.report("privacy", 0, staged.rows)
    return staged.relation
