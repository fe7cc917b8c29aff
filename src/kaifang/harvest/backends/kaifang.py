"""Harvesting another Kaifang. Kaifang serves the CKAN Action API at /api/3 with every schema
field in the package dict (extras carry the rest), so this is the CKAN backend pointed there:
one mapping, kept in one place, and a Kaifang source given as its site URL works unchanged. The
native /api/v1 would add nothing the CKAN dict lacks, and would be a second mapping to keep.

For a mirror source the CKAN resource dicts are enough too: a stored file has `url_type`
"upload", its download address as `url`, and `hash` ("sha256:…"), `size` and `last_modified` of
its published version, so the file is copied and fetched again only when a new version is
published there."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kaifang.harvest.backends.base import register
from kaifang.harvest.backends.ckan import CkanBackend


@register
class KaifangBackend(CkanBackend):
    key = "kaifang"
    label = _("开放平台（Kaifang）")
