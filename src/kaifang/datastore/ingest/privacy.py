"""Stage `privacy`: the slot where personal data will be found and masked.

Detecting personal information (ID card and phone numbers, names, addresses) and masking it
before anything is published is its own piece of work, planned as a later stage. Until it
lands this stage passes the staged table through unchanged — but it is a real step of the
chain: every stage after it (write, profile, exports and everything derived from them) reads
the relation this function returns, never the staged upload directly, so masking added here
reaches every public output.

`keeps_rows` tells the chain beforehand whether this stage would leave a table's rows as they
are (no rule applies to the resource — today, none does): the chain may then read a file
straight into its data file (write.write_typed) without staging it for this stage to read."""

from __future__ import annotations

from kaifang.datastore.ingest.job import Job, Staged
from kaifang.datastore.ingest.types import Column


def apply_privacy(job: Job, staged: Staged, columns: list[Column]) -> str:
    """The relation the later stages read: for now the staged table itself."""
    job.report("privacy", 0, staged.rows)
    return staged.relation


def keeps_rows(job: Job, staged: Staged) -> bool:
    """Whether `apply_privacy` would return the staged rows unchanged (true until rules for
    personal data exist: nothing is masked yet, so every table passes through)."""
    return True
