import pytest

from kaifang.core import codelists

pytestmark = pytest.mark.engine_independent


def test_the_plan_s_21_domains_are_there():
    domains = codelists.get("domain")

    assert [i.code for i in domains][:21] == [str(n) for n in range(1, 22)]
    assert domains.label("6") == "交通运输"


def test_labels_follow_the_active_language():
    from django.utils import translation

    with translation.override("en"):
        assert codelists.get("open_type").label("conditional") == "Conditional"
    with translation.override("zh-hans"):
        assert codelists.get("open_type").label("conditional") == "有条件开放"


def test_every_list_loads_and_has_unique_codes():
    for name in codelists.names():
        items = list(codelists.get(name))
        assert items, name
        assert len({i.code for i in items}) == len(items), name


def test_unknown_or_unsafe_names_are_refused():
    with pytest.raises(KeyError):
        codelists.get("../settings")
    with pytest.raises(KeyError):
        codelists.get("nothing")
