"""Make the bench's department and harvest source in the data folder named by KAIFANG_HOME
(run by run.py as `python -m bench.harvest.source URL`): a trusted platform-wide CKAN source
whose mapping tables send the fixture's organization and group to them."""

from __future__ import annotations

import os
import sys

SOURCE = "bench-ckan"
DEPARTMENT = "bench-transport"


def main(url: str) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaifang.config.settings")
    django.setup()
    from bench.harvest.fixture import GROUP, ORGANIZATION
    from kaifang.core.models import Region
    from kaifang.core.regions import ensure_regions
    from kaifang.harvest.models import HarvestSource
    from kaifang.organizations.models import Department

    ensure_regions()
    department, _ = Department.objects.get_or_create(
        name=DEPARTMENT,
        defaults={"title": "基准交通局", "region": Region.objects.get(code="330000")},
    )
    HarvestSource.objects.update_or_create(
        name=SOURCE,
        defaults={
            "title": "采集基准",
            "type": "ckan",
            "url": url,
            "trusted": True,
            "department_map": {ORGANIZATION: department.name},
            "domain_map": {GROUP: "6"},
        },
    )


if __name__ == "__main__":
    main(sys.argv[1])
