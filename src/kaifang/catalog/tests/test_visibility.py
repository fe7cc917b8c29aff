from kaifang.catalog.models import State
from kaifang.catalog.visibility import can_access_data, visible_datasets


def _titles(qs):
    return set(qs.values_list("title", flat=True))


def test_anonymous_sees_only_public_published(datasets_in_every_state):
    from django.contrib.auth.models import AnonymousUser

    visible = _titles(visible_datasets(AnonymousUser()))

    assert visible == {"状态published", "有条件开放数据集"}


def test_member_also_sees_private_published_of_own_department(datasets_in_every_state, publisher):
    visible = _titles(visible_datasets(publisher))

    assert visible == {"状态published", "有条件开放数据集", "私有数据集", "不予开放"}


def test_outsider_sees_what_the_public_sees(datasets_in_every_state, outsider):
    assert _titles(visible_datasets(outsider)) == {"状态published", "有条件开放数据集"}


def test_unpublished_only_when_asked_and_only_to_members(
    datasets_in_every_state, publisher, outsider
):
    mine = _titles(visible_datasets(publisher, include_unpublished=True))
    theirs = _titles(visible_datasets(outsider, include_unpublished=True))

    assert {f"状态{s}" for s in State.values} <= mine
    assert theirs == {"状态published", "有条件开放数据集"}


def test_conditional_data_needs_a_grant(datasets_in_every_state, citizen, publisher):
    from django.contrib.auth.models import AnonymousUser

    from kaifang.catalog.models import AccessGrant

    conditional = datasets_in_every_state["conditional"]

    assert not can_access_data(AnonymousUser(), conditional)
    assert not can_access_data(citizen, conditional)
    assert can_access_data(publisher, conditional)
    AccessGrant.objects.create(dataset=conditional, user=citizen)
    assert can_access_data(citizen, conditional)
    assert can_access_data(AnonymousUser(), datasets_in_every_state[State.PUBLISHED])
