"""The public department pages."""

from __future__ import annotations

from kaifang.catalog.models import State
from kaifang.catalog.tests import factories
from kaifang.core.models import Region
from kaifang.organizations.models import DepartmentNameRedirect


def _text(response) -> str:
    return response.content.decode()


def test_departments_are_grouped_by_region_level_with_visible_counts(
    client, department, datasets_in_every_state
):
    # given: a city department with one public and one draft dataset
    city = Region.objects.get(code="330100")
    city_dept = factories.make_department(city, name="hz-gongan", title="杭州市公安局")
    factories.make_dataset(city_dept, region=city)
    factories.make_dataset(city_dept, state=State.DRAFT, region=city)
    # when
    response = client.get("/departments/")
    # then
    html = _text(response)
    assert response.status_code == 200
    groups = {str(g["label"]): g["members"] for g in response.context["groups"]}
    assert list(groups) == ["省级", "市级"]
    assert [(m["department"].title, m["count"]) for m in groups["省级"]] == [("省交通运输厅", 2)]
    assert [(m["department"].title, m["count"]) for m in groups["市级"]] == [("杭州市公安局", 1)]
    assert "省级部门" in html and "市级部门" in html
    assert 'href="/departments/hz-gongan/"' in html and "浙江省杭州市" in html


def test_members_count_their_departments_private_datasets(
    client, datasets_in_every_state, publisher
):
    client.force_login(publisher)

    response = client.get("/departments/")

    members = response.context["groups"][0]["members"]
    assert members[0]["count"] == 4  # published, conditional, private, closed


def test_department_page_lists_its_own_visible_datasets(
    client, department, other_department, datasets_in_every_state
):
    # given
    factories.make_dataset(other_department, title="其他部门的数据")
    # when
    response = client.get(f"/departments/{department.name}/")
    # then
    html = _text(response)
    assert response.status_code == 200
    assert '<h1 id="dept-title">省交通运输厅</h1>' in html
    assert "状态published" in html and "有条件开放数据集" in html
    assert "其他部门的数据" not in html and "状态draft" not in html and "私有数据集" not in html
    assert response.context["result"].count == 2
    assert 'id="facet-department"' not in html


def test_department_page_bad_parameter_is_a_message(client, department):
    response = client.get(f"/departments/{department.name}/?sort=worst")

    assert response.status_code == 400
    assert "参数 sort" in _text(response)


def test_old_department_name_redirects_permanently(client, department):
    DepartmentNameRedirect.objects.create(old_name="jiaotongting", department=department)

    response = client.get("/departments/jiaotongting/")

    assert response.status_code == 301
    assert response["Location"] == "/departments/jiaotong/"


def test_unknown_department_is_404(client, db):
    assert client.get("/departments/nobody/").status_code == 404
