"""Meta-tests of the CKAN Action API's registry: every action declares its permission and help,
every write takes POST only, needs an API token and goes through the catalog's services, every
read of datasets goes through the visibility gate, and nothing outside the registry answers."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

from kaifang.interop.ckan.actions import ACTIONS, Permission
from kaifang.interop.ckan.mapping import dataset_places, resource_places

DOCS = Path(__file__).resolve().parents[4] / "docs" / "ckan-api.md"

#: names whose use in a handler (or a function of its module it calls) reads through the gate
GATED = {"selectors", "listed", "readable_table", "visible_datasets", "package_search"}
#: actions that show no dataset at all
NO_DATASETS = {"status_show", "site_read", "help_show", "license_list"}
WRITES = {name for name, action in ACTIONS.items() if action.writes}


def _names_used(function) -> set[str]:
    tree = ast.parse(inspect.getsource(function).lstrip())
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.Attribute):
            used.add(node.attr)
    return used


def _uses(function, wanted: set[str], seen: frozenset = frozenset()) -> bool:
    """The function, or a function of its own module it calls, uses one of `wanted`."""
    used = _names_used(function)
    if used & wanted:
        return True
    module = importlib.import_module(function.__module__)
    for name in used - seen:
        callee = getattr(module, name, None)
        own = inspect.isfunction(callee) and callee.__module__ == module.__name__
        if own and _uses(callee, wanted, seen | {name}):
            return True
    return False


@pytest.mark.engine_independent
def test_the_registry_holds_the_actions_the_issue_lists():
    listed = {
        "status_show", "site_read", "package_list", "current_package_list_with_resources",
        "package_search", "package_show", "organization_list", "organization_show",
        "group_list", "group_show", "tag_list", "license_list", "resource_show",
        "datastore_search", "datastore_search_sql", "package_create", "package_update",
        "package_patch", "resource_create", "resource_update", "package_delete",
    }  # fmt: skip

    assert listed <= set(ACTIONS)
    assert {
        "package_create", "package_update", "package_patch", "package_delete",
        "resource_create", "resource_update",
    } == WRITES  # fmt: skip


@pytest.mark.engine_independent
@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_every_action_declares_its_permission_methods_and_help(name):
    action = ACTIONS[name]

    assert isinstance(action.permission, Permission)
    assert action.permission.description
    assert action.methods and action.methods <= {"GET", "POST"}
    assert action.help.strip()


@pytest.mark.engine_independent
@pytest.mark.parametrize("name", sorted(WRITES))
def test_every_write_needs_a_token_and_calls_the_catalog_services(name):
    action = ACTIONS[name]

    assert action.methods == {"POST"}
    assert action.permission.needs_token
    assert _uses(action.handler, {"services"}), f"{name} changes state past the services"


@pytest.mark.engine_independent
@pytest.mark.parametrize("name", sorted(set(ACTIONS) - WRITES - NO_DATASETS))
def test_every_read_goes_through_the_visibility_gate(name):
    action = ACTIONS[name]

    assert not action.permission.needs_token
    assert _uses(action.handler, GATED), f"{name} reads datasets past the gate"


@pytest.mark.parametrize("name", sorted(WRITES))
def test_writes_without_a_token_are_refused_before_anything_runs(db, client, name):
    posted = client.post(f"/api/3/action/{name}", {"id": "x"}, "application/json")
    fetched = client.get(f"/api/3/action/{name}")

    assert posted.status_code == 403
    assert posted.json()["error"]["__type"] == "Authorization Error"
    assert fetched.status_code == 400


@pytest.mark.parametrize("name", ["shown", "dataset_ref", "department", "named", "_edit"])
def test_functions_outside_the_registry_do_not_answer(db, client, name):
    response = client.post(f"/api/3/action/{name}", {}, "application/json")

    assert response.status_code == 400
    assert response.json()["success"] is False


def test_other_methods_are_refused(db, client):
    assert client.delete("/api/3/action/package_show").status_code == 405


@pytest.mark.engine_independent
def test_the_documentation_lists_every_action_and_field():
    text = DOCS.read_text(encoding="utf-8")

    missing = [name for name in ACTIONS if f"`{name}`" not in text]
    missing += [
        p.name for p in [*dataset_places(), *resource_places()] if f"`{p.name}`" not in text
    ]

    assert missing == [], "docs/ckan-api.md 缺少 / lacks these"
