"""Load the administrative divisions (GB/T 2260) shipped in core/codelists/regions."""

import csv
from pathlib import Path

from django.db import migrations

REGIONS = Path(__file__).resolve().parent.parent / "codelists" / "regions"


def _rows(name):
    with open(REGIONS / name, encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def load(apps, schema_editor):
    Region = apps.get_model("core", "Region")
    regions = [
        Region(code=f"{row['code']}0000", name=row["name"], level=1)
        for row in _rows("provinces.csv")
    ]
    regions += [
        Region(code=f"{row['code']}00", name=row["name"], level=2,
               parent_id=f"{row['provinceCode']}0000")
        for row in _rows("cities.csv")
    ]
    regions += [
        Region(code=row["code"], name=row["name"], level=3, parent_id=f"{row['cityCode']}00")
        for row in _rows("areas.csv")
    ]
    Region.objects.bulk_create(regions, batch_size=1000, ignore_conflicts=True)


def unload(apps, schema_editor):
    apps.get_model("core", "Region").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
