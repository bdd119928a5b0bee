"""Domains talk to each other only through service (and schemas) modules; only delivery imports routes."""

from __future__ import annotations

import ast
from pathlib import Path

import reachable

ROOT = Path(reachable.__file__).parent
SHARED = {"common", "db", "config", "__init__"}
DELIVERY = {"api", "web", "cli", "pipeline", "simulate", "__main__"}
PUBLIC = {"service", "schemas"}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("reachable"):
            found.extend(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names if alias.name.startswith("reachable"))
    return found


def _violations() -> list[str]:
    problems = []
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        domain = parts[0]
        if domain in SHARED or domain in DELIVERY or "migrations" in parts:
            continue
        is_routes = parts[-1] == "routes"
        for name in _imports(path):
            target = name.split(".")[1:]
            if not target or target[0] == domain or target[0] in SHARED:
                continue
            if is_routes and target[0] in ("api", "pipeline"):
                continue  # routes are thin HTTP adapters over the delivery layer's dependencies
            if target[0] in DELIVERY:
                problems.append(f"{'/'.join(parts)} imports delivery layer {name}")
            elif len(target) < 2 or target[1] not in PUBLIC:
                problems.append(f"{'/'.join(parts)} imports {name}: use {target[0]}.service instead")
    return problems


def test_domains_use_each_others_services_only() -> None:
    assert _violations() == []


def test_only_delivery_layers_import_routes() -> None:
    offenders = []
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[0] in DELIVERY:
            continue
        offenders += [f"{path.name}: {n}" for n in _imports(path) if n.endswith(".routes") or ".routes." in n]
    assert offenders == []
