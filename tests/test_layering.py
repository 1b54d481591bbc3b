"""The layers hold, and what a contributor must declare cannot be forgotten silently.

Dependencies run one way: ``config → imports → cases → people → sources → monitor``
(``docs/architecture.md``). import-linter checks the imports (``make lint``); these tests check
what it cannot see — a lower app naming an upper one in a string (``apps.get_model("cases",
…)``, ``ForeignKey("cases.Case")``, ``{% url 'case-detail' %}`` in its templates) — and that
every model has its roles declared and granted. Each failure names the file to change.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver

from monitor import roles

ROOT = Path(settings.BASE_DIR)
#: The apps from the bottom up; ``config`` (the project's wiring) sits above them all.
APPS_BOTTOM_UP = ("monitor", "sources", "people", "cases", "imports")
LAYERS_TOP_DOWN = ("config", *reversed(APPS_BOTTOM_UP))


def upper_apps(app: str) -> tuple[str, ...]:
    return APPS_BOTTOM_UP[APPS_BOTTOM_UP.index(app) + 1 :]


def production_modules(app: str):
    """The app's Python files, without its tests and migrations (migrations are the schema's
    history: ``cases`` migrations name ``people`` models, never the other way round)."""
    for path in sorted((ROOT / app).rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "tests" in parts or "migrations" in parts:
            continue
        yield path


# -- the import contract ----------------------------------------------------------------------


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    executable = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(  # noqa: S603 - our own linter on our own tree
        [str(executable), "--no-cache"],
        cwd=cwd,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_make_lint_runs_the_layers_contract_over_every_layer():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    lint_recipe = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert "$(BIN)/lint-imports" in lint_recipe
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    layers = re.search(r'type = "layers"\nlayers = \[(.*?)\]', pyproject).group(1)
    assert [name.strip(' "') for name in layers.split(",")] == list(LAYERS_TOP_DOWN)


def test_an_upward_import_breaks_the_contract_that_the_tree_keeps(tmp_path):
    """The real tree keeps the contract; the same tree plus one ``monitor`` module importing
    ``cases`` (as ``monitor/pages/helpers.py`` once did) breaks it, naming the import."""
    for package in LAYERS_TOP_DOWN:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    kept = lint_imports(tmp_path)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert "1 kept, 0 broken" in kept.stdout

    (tmp_path / "monitor" / "reaches_up.py").write_text(
        "def label(pk):\n    from cases.models import Case\n\n    return Case.objects.get(pk=pk)\n",
        encoding="utf-8",
    )
    broken = lint_imports(tmp_path)
    assert broken.returncode != 0
    assert "monitor is not allowed to import cases" in broken.stdout
    assert "monitor.reaches_up -> cases.models" in broken.stdout


# -- strings that name an upper app --------------------------------------------------------------


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def upward_references(path: Path, uppers: tuple[str, ...]) -> list[str]:
    """``apps.get_model("<upper>", …)`` and string constants such as ``"cases.Case"``,
    ``"cases.choices.StepKind"`` or ``"cases.followup"`` (docstrings aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = _docstrings(tree)
    label = re.compile(rf"^({'|'.join(uppers)})(\.[A-Za-z_][A-Za-z0-9_]*)+$")
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "get_model":
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and str(first.value).split(".")[0] in uppers:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} get_model({first.value!r})")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and label.match(node.value)
        ):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    return found


@pytest.mark.parametrize("app", APPS_BOTTOM_UP[:-1])
def test_no_lower_app_names_an_upper_app_in_a_string(app):
    uppers = upper_apps(app)
    found = [ref for path in production_modules(app) for ref in upward_references(path, uppers)]
    assert found == [], (
        f"{app} names {', '.join(uppers)} above it: {found}. A lower app offers a registry "
        "(monitor/registry.py) that the upper app fills in its AppConfig.ready()."
    )


def test_the_string_check_sees_a_lookup_by_name(tmp_path):
    probe = ROOT / "monitor" / "_probe_for_the_layering_test.py"
    probe.write_text(
        'from django.apps import apps\n\n\ndef case_model():\n    """Not "cases.Case"."""\n'
        '    return apps.get_model("cases", "Case"), "cases.Case", "monitor.Term"\n',
        encoding="utf-8",
    )
    try:
        found = upward_references(probe, upper_apps("monitor"))
    finally:
        probe.unlink()
    assert [ref.split(" ", 1)[1] for ref in found] == ["get_model('cases')", "'cases.Case'"]


def _url_names_by_app() -> dict[str, str]:
    from config import urls

    names = {}

    def walk(patterns, app):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                module = getattr(pattern.urlconf_name, "__name__", "")
                walk(pattern.url_patterns, module.split(".")[0] or app)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names[pattern.name] = app

    walk(urls.urlpatterns, "config")
    return names


@pytest.mark.parametrize("app", APPS_BOTTOM_UP[:-1])
def test_no_lower_app_template_links_to_an_upper_apps_page(app):
    owner = _url_names_by_app()
    assert owner["person-detail"] == "people" and owner["dashboard"] == "config"
    uppers = set(upper_apps(app)) | {"config"}
    found = []
    for path in sorted((ROOT / "templates" / app).rglob("*.html")):
        text = path.read_text("utf-8")
        # ``{% url 'name' … %}`` and ``{{ pk|url_of:"name" }}`` (monitor/templatetags/links.py).
        for name in re.findall(r"{%\s*url\s+['\"]([\w:-]+)['\"]", text) + re.findall(
            r"\|\s*url_of\s*:\s*['\"]([\w:-]+)['\"]", text
        ):
            if owner.get(name) in uppers:
                found.append(f"{path.relative_to(ROOT)}: {name}")
    assert found == [], (
        f"templates/{app}/ link to pages of apps above {app}: {found}. Let the upper app "
        "register a section of the page (monitor/registry.py DetailSections)."
    )


# -- every model has its roles -------------------------------------------------------------------


def project_app_configs():
    return [
        config
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(ROOT)
        and ".venv" not in Path(config.path).parts
    ]


def test_every_app_of_the_project_declares_its_models_roles():
    assert {config.label for config in project_app_configs()} >= set(APPS_BOTTOM_UP)
    missing = [
        f"{config.label} ({type(config).__module__}.{type(config).__name__})"
        for config in project_app_configs()
        if not roles.is_project_app(config)
    ]
    assert missing == [], (
        f"These apps declare no model_roles in their AppConfig: {missing}. Give each model "
        f"one of {roles.KINDS} (monitor/roles.py), or {{}} for an app without models."
    )


def test_every_model_has_its_roles_declared():
    """A model left out would silently get no permission for any role."""
    problems = []
    for config in project_app_configs():
        declared = config.model_roles
        models = {
            model._meta.model_name
            for model in config.get_models()
            if not hasattr(model, "instance_type")  # a history table follows its record
        }
        where = f"{type(config).__module__.replace('.', '/')}.py model_roles"
        problems += [
            f"{config.label}.{name}: not declared in {where}"
            for name in sorted(models - declared.keys())
        ]
        problems += [
            f"{config.label}.{name}: declared in {where} but no such model"
            for name in sorted(declared.keys() - models)
        ]
        problems += [
            f"{config.label}.{name}: {kind!r} is not one of {roles.KINDS}"
            for name, kind in sorted(declared.items())
            if kind not in roles.KINDS
        ]
    assert problems == [], "\n".join(problems)


@pytest.mark.django_db
def test_the_role_groups_hold_exactly_the_declared_permissions():
    """After the migrations, each group has what the declarations give: a model declared
    without a migration that syncs the groups again is named here."""
    for role, wanted in roles.role_permissions().items():
        held = {
            f"{app_label}.{codename}"
            for app_label, codename in Group.objects.get(name=str(role)).permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        assert held == wanted, (
            f"The {role} group lacks {sorted(wanted - held)} and holds {sorted(held - wanted)} "
            "beyond its declarations: add a data migration to the last app (cases) running "
            "monitor.roles.sync_role_groups."
        )


def test_a_domain_model_gives_the_roles_what_monitors_need():
    permissions = roles.role_permissions()
    assert "cases.change_case" in permissions["Monitor"]
    assert "cases.view_case" in permissions["Viewer"]
    assert "cases.change_case" not in permissions["Viewer"]
    assert "monitor.change_term" in permissions["Coordinator"]
    assert "monitor.change_term" not in permissions["Monitor"]
    assert "sources.view_custodyevent" in permissions["Viewer"]
    assert "sources.change_custodyevent" not in permissions["Coordinator"]
    assert not any(
        code.split(".")[1].startswith("delete_") for c in permissions.values() for code in c
    )
