"""The agent learns with local rules only: its import path never touches an autograd library."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import littlebrain

FORBIDDEN = ("torch", "jax", "jaxlib", "tensorflow")
PACKAGE = Path(littlebrain.__file__).parent


def test_running_a_brain_imports_no_autograd_library(tmp_path):
    script = f"""
import sys
from littlebrain.cli import main
assert main(["run", "snake", "--steps", "300", "--out", {str(tmp_path / "run")!r}, "--quiet"]) == 0
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {FORBIDDEN!r})
print(",".join(loaded))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"autograd modules were imported: {result.stdout}"


def test_no_module_outside_baselines_imports_an_autograd_library():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "baselines" in path.relative_to(PACKAGE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []
