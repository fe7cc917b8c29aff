"""Meta-tests: every service that changes state checks the actor's permission, and every API
route reads through the visibility gate. A new service or route that forgets fails here."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil

import pytest

pytestmark = pytest.mark.engine_independent

SERVICE_MODULES = [
    "kaifang.accounts.services",
    "kaifang.analytics.services",
    "kaifang.datastore.dynamic",
    "kaifang.datastore.services",
    "kaifang.harvest.services",
    "kaifang.organizations.services",
    *(
        f"kaifang.catalog.services.{m.name}"
        for m in pkgutil.iter_modules(importlib.import_module("kaifang.catalog.services").__path__)
        if not m.name.startswith("_")
    ),
]
#: names whose call in a body is a permission check
CHECKS = {"require", "_require_manager", "NotAllowed", "_require_author_of"}


def _public_functions(module):
    for name, function in inspect.getmembers(module, inspect.isfunction):
        if function.__module__ == module.__name__ and not name.startswith("_"):
            yield name, function


def _names_used(function) -> set[str]:
    tree = ast.parse(inspect.getsource(function).lstrip())
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.Attribute):
            used.add(node.attr)
    return used


def _acting_services():
    """Public service functions whose first parameter is the actor."""
    for module_name in SERVICE_MODULES:
        module = importlib.import_module(module_name)
        for name, function in _public_functions(module):
            params = list(inspect.signature(function).parameters)
            if params and params[0] == "actor":
                yield f"{module_name}.{name}", module, function


def _checks_permission(function, module, seen=frozenset()) -> bool:
    """The body checks, or calls a service of the same package that does."""
    used = _names_used(function)
    if used & CHECKS:
        return True
    for name in used - seen:
        callee = getattr(module, name, None)
        if inspect.isfunction(callee) and callee.__module__.startswith("kaifang."):
            callee_module = importlib.import_module(callee.__module__)
            if _checks_permission(callee, callee_module, seen | {name}):
                return True
    return False


def test_the_sweep_finds_the_services():
    names = {name for name, _m, _f in _acting_services()}

    assert "kaifang.catalog.services.workflow.approve" in names
    assert "kaifang.organizations.services.add_membership" in names
    assert len(names) >= 15


@pytest.mark.parametrize(("name", "module", "function"), list(_acting_services()))
def test_every_service_that_acts_checks_permission(name, module, function):
    assert _checks_permission(function, module), f"{name} changes state without a check"


def test_every_api_route_reads_through_the_visibility_gate():
    from kaifang.catalog.api.router import router as catalog_router
    from kaifang.datastore.api.exports import router as exports_router
    from kaifang.datastore.api.router import router as datastore_router
    from kaifang.organizations.api.router import router as organizations_router

    gated = {"selectors", "download_response", "visible_datasets", "readable_table"}
    gated |= {"resource_export_response"}
    checked = []
    for router in (catalog_router, organizations_router, datastore_router, exports_router):
        for path, operations in router.path_operations.items():
            for operation in operations.operations:
                view = operation.view_func
                assert _names_used(view) & gated, f"{path} {view.__name__} skips the gate"
                checked.append(path)

    assert len(checked) >= 6
