import csv
import hashlib
import io
import json
import re
import time

import numpy as np
import pytest

from kaifang.catalog.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, build_demo, plan, tables
from kaifang.catalog.demo.fake import Gen, credit_code_is_valid, credit_codes
from kaifang.catalog.demo.tables.observations import AQI_BREAKS, IAQI
from kaifang.catalog.models import Dataset, Resource, ResourceVersion, State
from kaifang.core import codelists

DOMAINS = [item.code for item in codelists.get("domain") if item.code != "99"]


def _regions():
    from kaifang.catalog.demo.build import load_regions

    return load_regions()


def _public():
    from django.contrib.auth.models import AnonymousUser

    from kaifang.catalog.visibility import visible_datasets

    return visible_datasets(AnonymousUser())


def _values(dataset: Dataset) -> dict:
    """Every schema field's stored value, the way the forms and the API read them."""
    data = {
        "title": dataset.title,
        "identifier": dataset.identifier,
        "summary": dataset.summary,
        "department": dataset.department,
        "domain": dataset.domain,
        "open_type": dataset.open_type,
        "update_frequency": dataset.update_frequency,
        "is_high_value": dataset.is_high_value,
        "is_realtime": dataset.is_realtime,
        "region": dataset.region_id,
        "keywords": [t.name for t in dataset.tags.all()],
    }
    return {**dataset.metadata, **data}


def _snapshot():
    datasets = Dataset.objects.order_by("id").values_list("id", "name", "identifier", "state")
    versions = ResourceVersion.objects.order_by("id").values_list("id", "file", "sha256")
    return list(datasets), list(versions)


def _read(version: ResourceVersion) -> bytes:
    with version.file.open("rb") as handle:
        return handle.read()


# The small catalog, built once for the session.


def test_every_domain_has_public_datasets(demo_catalog):
    counts = {d: _public().filter(domain=d).count() for d in DOMAINS}

    assert all(count >= 1 for count in counts.values()), counts
    assert demo_catalog.result.built


def test_every_published_dataset_validates_against_the_schema(demo_catalog):
    from kaifang.catalog.schema import get_schema
    from kaifang.catalog.schema.validation import validate

    schema = get_schema()
    published = Dataset.objects.filter(state=State.PUBLISHED).select_related("department")

    problems = {
        d.title: validate(schema.dataset_fields, _values(d), require=True)[1] for d in published
    }

    assert published.count() >= 21
    assert {title: errs for title, errs in problems.items() if errs} == {}


def test_published_metadata_carries_coverage_contact_and_classes(demo_catalog):
    for dataset in _public().select_related("department"):
        meta = dataset.metadata
        assert meta["contact_phone"] and meta["contact_email"].endswith(".gov.cn")
        assert meta["national_theme"] and meta["industry"] and meta["spatial"].startswith("浙江省")
        assert meta["temporal_start"] <= meta["temporal_end"]
        assert meta["update_deadline"]
        assert dataset.tags.exists()
        assert re.fullmatch(r"[123][0-9]{5}[0-9]*/[0-9]{6}", dataset.identifier)
        assert dataset.published_at is not None and dataset.data_updated_at >= dataset.published_at


def test_files_are_stored_at_the_version_path_with_their_checksum(demo_catalog):
    versions = ResourceVersion.objects.select_related("resource")

    for version in versions:
        data = _read(version)
        assert hashlib.sha256(data).hexdigest() == version.sha256
        assert len(data) == version.size
        assert version.file.name.startswith(f"resources/{version.resource_id}/{version.id}/")
        assert version.resource.current_version_id == version.id
        assert (version.number, version.status) == (1, ResourceVersion.Status.READY)
        assert version.detected_format == version.resource.format
    assert versions.count() >= 21


def test_every_file_resource_has_a_version_and_links_and_apis_have_urls(demo_catalog):
    assert not Resource.objects.filter(kind="file", current_version__isnull=True).exists()
    for resource in Resource.objects.exclude(kind="file"):
        assert resource.url.startswith("https://") and not resource.versions.exists()


def test_files_read_back_in_their_own_format(demo_catalog):
    from defusedxml import ElementTree
    from python_calamine import CalamineWorkbook

    seen = set()
    for version in ResourceVersion.objects.select_related("resource__dataset"):
        data, fmt = _read(version), version.detected_format
        header = [f["name"] for f in version.resource.dataset.metadata.get("fields", [])]
        if fmt == "CSV":
            charset = version.media_type.split("charset=")[1]
            text = data.decode("utf-8-sig" if charset == "utf-8" else charset)
            rows = list(csv.reader(io.StringIO(text)))
            assert rows[0] == header and len(rows) > 1
            seen.add(f"CSV/{charset}")
        elif fmt == "XLSX":
            sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
            assert sheet.to_python()[0] == header
        elif fmt == "JSON":
            records = json.loads(data)
            assert list(records[0]) == header
        elif fmt == "XML":
            root = ElementTree.fromstring(data)
            assert root.tag == "数据集" and len(root) > 0
        elif fmt == "PDF":
            _check_pdf(data)
        seen.add(fmt)

    assert {"CSV/utf-8", "CSV/gb18030", "XLSX", "JSON", "XML", "PDF"} <= seen


def _check_pdf(data: bytes) -> None:
    """A valid file: header, trailer, and every cross-reference offset at its object."""
    assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
    start = int(re.search(rb"startxref\n(\d+)", data).group(1))
    assert data[start : start + 4] == b"xref"
    entries = re.findall(rb"(\d{10}) 00000 n ", data[start:])
    for number, offset in enumerate(entries, start=1):
        assert data[int(offset) :].startswith(b"%d 0 obj" % number)


def test_every_other_state_private_and_conditional_are_present(demo_catalog):
    datasets = Dataset.objects.all()

    for state in (State.DRAFT, State.IN_REVIEW, State.RETURNED, State.WITHDRAWN, State.TAKEN_DOWN):
        assert datasets.filter(state=state).exists(), state
    assert datasets.filter(state=State.PUBLISHED, is_private=True).exists()
    conditional = datasets.filter(state=State.PUBLISHED, open_type="conditional").first()
    assert conditional.metadata["open_condition"]
    assert conditional.metadata["licence"] == "conditional-agreement"
    assert all(d.return_reason for d in datasets.filter(state=State.RETURNED))
    assert {d.review_stage for d in datasets.filter(state=State.IN_REVIEW)} == {"department"}
    assert not _public().filter(is_private=True).exists()


def test_publications_are_audited_with_the_demo_as_actor(demo_catalog):
    from kaifang.core.models import AuditEntry

    published = Dataset.objects.filter(state=State.PUBLISHED)
    entries = AuditEntry.objects.filter(
        action="dataset.publish", target_id__in=[str(d.pk) for d in published]
    )

    assert entries.count() == published.count()
    assert set(entries.values_list("actor_type", "actor_label")) == {("system", "demo")}
    taken_down = Dataset.objects.filter(state=State.TAKEN_DOWN).first()
    assert AuditEntry.objects.get(action="dataset.take_down", target_id=str(taken_down.pk)).reason


def test_demo_accounts_sign_in_with_their_roles(demo_catalog):
    from django.contrib.auth import authenticate
    from django.contrib.auth.password_validation import validate_password

    from kaifang.organizations import roles

    users = {
        name: authenticate(username=name, password=password)
        for name, _role, password in DEMO_ACCOUNTS
    }

    assert all(users.values()), users
    assert roles.is_platform_admin(users["admin"]) and users["admin"].is_superuser
    assert roles.is_platform_reviewer(users["reviewer-platform"])
    transport = users["publisher"].memberships.get().department
    assert transport.short_name == "省交通运输厅"
    for name, role in (
        ("dept-admin", "admin"),
        ("publisher", "publisher"),
        ("reviewer", "reviewer"),
    ):
        assert roles.has_role(users[name], transport, role)
    for name in users:
        validate_password(DEMO_PASSWORD, users[name])


def test_demo_admin_is_not_made_when_the_platform_has_an_admin(demo_catalog, django_user_model):
    from kaifang.catalog.demo.accounts import ensure_accounts
    from kaifang.organizations.models import Department

    django_user_model.objects.filter(username="admin").update(username="platform-owner")

    statuses = {
        s.username: s.status for s in ensure_accounts(Department.objects.get(name="zj-jtyst"))
    }

    assert statuses["admin"] == "skipped"
    assert not django_user_model.objects.filter(username="admin").exists()
    assert statuses["publisher"] == "existing"


def test_departments_are_named_coded_and_reachable(demo_catalog):
    from kaifang.organizations.models import Department

    departments = Department.objects.all()

    assert departments.filter(title="浙江省交通运输厅", short_name="省交通运输厅").exists()
    for department in departments:
        assert credit_code_is_valid(department.code) and department.code.startswith("11")
        assert department.code[2:8] == department.region_id
        assert department.contact_phone and department.contact_email
        assert re.fullmatch(r"[a-z0-9_-]{2,100}", department.name)


def test_a_second_build_finds_the_catalog_and_changes_nothing(demo_catalog):
    before = _snapshot()
    started = time.monotonic()

    again = build_demo("small", storage=_demo_storage(demo_catalog))

    assert not again.built
    assert time.monotonic() - started < 1.0
    assert again.counts() == demo_catalog.result.counts()
    assert _snapshot() == before


def test_force_rebuilds_the_same_catalog(demo_catalog):
    before = _snapshot()

    rebuilt = build_demo("small", storage=_demo_storage(demo_catalog), force=True)

    assert rebuilt.built
    assert _snapshot() == before
    assert rebuilt.counts() == demo_catalog.result.counts()


def test_removing_the_demo_deletes_its_departments_and_datasets(demo_catalog):
    from kaifang.catalog.demo import remove_demo
    from kaifang.organizations.models import Department

    count = remove_demo(storage=_demo_storage(demo_catalog))

    assert count == demo_catalog.result.datasets
    assert not Dataset.objects.exists() and not Department.objects.filter(name="zj-jtyst").exists()


def test_loaddemo_reports_the_catalog_accounts_and_address(demo_catalog):
    from django.core.management import call_command

    out = io.StringIO()

    call_command("loaddemo", "--scale", "small", stdout=out)

    text = out.getvalue()
    assert "演示目录已存在" in text
    assert all(name in text and password in text for name, _r, password in DEMO_ACCOUNTS)
    assert "http://127.0.0.1:8000/" in text


def _demo_storage(demo_catalog):
    from django.core.files.storage import FileSystemStorage

    return FileSystemStorage(location=demo_catalog.media_root)


# The full catalog's plan (decided, not written) and the table makers.


def test_the_full_plan_has_the_promised_size_and_shares(db):
    full = plan.make_plan(_regions(), seed=1, scale="full", site_domain="data.example.gov.cn")
    public = [d for d in full.datasets if d.state == "published"]
    machine = {i.code for i in codelists.get("format") if i.extra.get("machine_readable")}

    per_domain = {d: sum(1 for p in public if p.domain == d) for d in DOMAINS}
    readable = sum(any(r.format in machine for r in p.resources) for p in public) / len(public)
    with_api = sum(any(r.kind == "api" for r in p.resources) for p in public) / len(public)
    rows = sum(p.rows * len(p.table_resources) for p in full.datasets)

    assert len(full.departments) >= 25
    assert min(per_domain.values()) >= 15 and len(public) >= 315
    assert 0.85 <= readable < 1.0
    assert 0.28 <= with_api <= 0.42
    assert 1_500_000 <= rows <= 2_500_000
    assert {d.state for d in full.datasets} >= set(plan.EXTRA_STATES) | {"published"}
    assert all(1 <= len(d.resources) <= 3 for d in full.datasets)


def test_names_codes_and_ids_are_unique_and_well_formed(db):
    full = plan.make_plan(_regions(), seed=1, scale="full", site_domain="data.example.gov.cn")
    names = [d.name for d in full.datasets] + [r.name for d in full.datasets for r in d.resources]

    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[a-z0-9_-]{2,100}", n) for n in names)
    assert len({d.identifier for d in full.datasets}) == len(full.datasets)
    assert len({d.title for d in full.datasets}) == len(full.datasets)


def test_plans_are_reproducible_from_the_seed(db):
    def decided(seed):
        made = plan.make_plan(_regions(), seed=seed, scale="full", site_domain="x.gov.cn")
        return [
            (d.id, d.name, d.rows, d.state, [(r.id, r.format) for r in d.resources])
            for d in made.datasets
        ]

    assert decided(7) == decided(7)
    assert decided(7) != decided(8)


def test_every_table_kind_fills_its_rows_with_typed_distinct_columns(db):
    regions = _regions()
    places = [plan.place(code, regions) for code in ("330000", "330100", "330106")]
    types = codelists.get("field_data_type")

    for number, (name, kind) in enumerate(sorted(tables.all_kinds().items())):
        gen = Gen(np.random.default_rng(number), places[number % 3], 40, plan.REFERENCE_DAY)
        columns = kind(gen)
        assert len({c.name for c in columns}) == len(columns), name
        assert all(c.type in types for c in columns), name
        if name != "admin_divisions":
            assert {len(c.values) for c in columns} == {40}, name


def test_credit_codes_carry_valid_check_characters():
    rng = np.random.default_rng(3)

    codes = credit_codes(rng, np.array(["330106"] * 200), "91")

    assert all(len(c) == 18 and c.startswith("91330106") for c in codes)
    assert all(credit_code_is_valid(c) for c in codes)
    assert not credit_code_is_valid(codes[0][:17] + ("0" if codes[0][17] != "0" else "1"))


def test_air_quality_index_follows_the_national_breakpoints(db):
    where = plan.place("330100", _regions())
    columns = {
        c.name: c.values
        for c in tables.get("air_quality")(
            Gen(np.random.default_rng(5), where, 2000, plan.REFERENCE_DAY)
        )
    }

    pm25_index = np.interp(columns["PM2.5"], AQI_BREAKS["PM2.5"], IAQI)

    assert np.all(columns["AQI"] >= np.floor(pm25_index))
    good = columns["AQI"] <= 50
    assert np.all(columns["空气质量级别"][good] == "优")
    assert np.all(columns["首要污染物"][good] == "—")
    assert set(columns["所属城市"]) == {"杭州市"}


def test_bus_stops_lie_in_their_city(db):
    where = plan.place("330100", _regions())
    columns = {
        c.name: c.values
        for c in tables.get("bus_stops")(
            Gen(np.random.default_rng(2), where, 500, plan.REFERENCE_DAY)
        )
    }

    assert np.all(np.abs(columns["经度"] - 120.155) < 0.8)
    assert np.all(np.abs(columns["纬度"] - 30.274) < 0.8)
    assert set(columns["所在区县"]) <= set(where.county_names)


def test_an_unknown_scale_is_refused(db):
    from kaifang.core.errors import Invalid

    with pytest.raises(Invalid, match="规模"):
        build_demo("huge")


def test_a_name_another_dataset_holds_gets_a_suffix(department):
    from kaifang.catalog.demo.rows import reserved_names
    from kaifang.catalog.tests import factories

    small = plan.make_plan(_regions(), seed=1, scale="small", site_domain="x.gov.cn")
    target = small.datasets[0]
    factories.make_dataset(department, name=target.name)

    reserved_names(small, owned=set())

    assert target.name.endswith("-demo")
    assert all(r.name.startswith(f"{target.name}-") for r in target.resources)


def test_a_department_name_held_by_another_department_stops_the_build(province):
    from kaifang.catalog.tests import factories
    from kaifang.core.errors import Invalid

    factories.make_department(province, name="zj-jtyst", title="另一个部门")

    with pytest.raises(Invalid, match="zj-jtyst"):
        build_demo("small", seed=5)
    assert not Dataset.objects.exists()


def test_every_spec_names_a_known_kind_bureau_and_code():
    from kaifang.catalog.demo import departments
    from kaifang.catalog.demo.specs import domains

    kinds = tables.all_kinds()
    frequencies = codelists.get("update_frequency")

    assert sorted(domains(), key=int) == DOMAINS
    for specs in domains().values():
        for spec in specs:
            assert spec.kind in kinds, spec.title
            bureaus = departments.LOCAL if spec.at else departments.PROVINCE
            assert spec.dept in bureaus, spec.title
            assert spec.freq in frequencies and spec.size in plan.SIZES, spec.title
            assert spec.layout in {"table", "report", "map", "service"}, spec.title
            if len(spec.at) != 1:  # one region may be named in the title itself
                assert ("{place}" in spec.title) == bool(spec.at), spec.title
