import pytest

from kaifang.core.names import is_valid_name, slug_from_code, slug_from_text, unique_name

pytestmark = pytest.mark.engine_independent


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("杭州市公交站点信息", "hang-zhou-shi-gong-jiao-zhan-dian-xin-xi"),
        ("2024年 空气质量（AQI）", "2024-nian-kong-qi-zhi-liang-aqi"),
        ("Café données", "cafe-donnees"),
    ],
)
def test_names_from_titles_are_ascii_and_valid(title, expected):
    slug = slug_from_text(title)

    assert slug == expected
    assert is_valid_name(slug)


def test_names_from_resource_codes():
    assert slug_from_code("112461465423/000001") == "112461465423-000001"


def test_unique_name_counts_up_and_pads_short_bases():
    taken = {"gong-jiao", "gong-jiao-2"}

    assert unique_name("gong-jiao", taken.__contains__) == "gong-jiao-3"
    assert unique_name("", taken.__contains__, fallback="dataset") == "dataset"
    assert is_valid_name(unique_name("a", taken.__contains__, fallback="dataset"))


def test_title_of_only_symbols_falls_back():
    assert unique_name(slug_from_text("《》！"), lambda n: False, fallback="dataset") == "dataset"


def test_route_words_are_never_names():
    assert not is_valid_name("new")
    assert unique_name("new", lambda n: False) == "new-2"
