"""What a harvest source may write, and who may run or manage one.

A harvest source acts without a person (its audit entries name the source), so the catalog's
role checks do not apply; instead a source is bound to departments. A department's source writes
only into that department; a platform-wide source (no department) writes only into the
departments its department mapping names. A remote record mapped anywhere else is refused.
"""

from __future__ import annotations

from kaifang.harvest.models import HarvestSource
from kaifang.organizations import roles
from kaifang.organizations.models import Department


def may_harvest_into(source: HarvestSource, department: Department | None) -> bool:
    if department is None:
        return False
    if source.department_id is not None:
        return department.pk == source.department_id
    return department.name in {str(name) for name in source.department_map.values()}


def may_run(user, source: HarvestSource) -> bool:
    """Platform admins run any source; a department admin runs the department's own sources."""
    if roles.is_platform_admin(user):
        return True
    return source.department_id is not None and roles.has_role(
        user, source.department, roles.Role.ADMIN
    )
