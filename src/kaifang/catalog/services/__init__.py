"""Catalog services: the only code that changes datasets, resources, revisions and grants.

Every function takes the acting `Actor` first, checks the actor's role here (NotAllowed), checks
values against the metadata schema (MetadataInvalid, with Chinese messages keyed by field), runs
in one transaction and writes one audit entry per move. Pages, the APIs, the CLI and harvesting
all call these, so each rule is written once.
"""

from kaifang.catalog.services.access import grant_access, revoke_access
from kaifang.catalog.services.datasets import (
    create_dataset,
    new_dataset_name,
    rename_dataset,
    update_dataset,
)
from kaifang.catalog.services.resources import add_resource, add_resource_version
from kaifang.catalog.services.revisions import (
    approve_revision,
    editable_values,
    open_revision,
    return_revision,
    submit_revision,
)
from kaifang.catalog.services.values import dataset_values, revision_values
from kaifang.catalog.services.workflow import (
    approve,
    return_for_changes,
    submit_for_review,
    take_down,
    withdraw,
)

__all__ = [
    "add_resource",
    "add_resource_version",
    "approve",
    "approve_revision",
    "create_dataset",
    "dataset_values",
    "editable_values",
    "grant_access",
    "new_dataset_name",
    "open_revision",
    "rename_dataset",
    "return_for_changes",
    "return_revision",
    "revision_values",
    "revoke_access",
    "submit_for_review",
    "submit_revision",
    "take_down",
    "update_dataset",
    "withdraw",
]
