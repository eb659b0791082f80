"""The agent learns with local rules only: its import path never touches an autograd library."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import littlebrain

FORBIDDEN = ("torch", "jax", "jaxlib", "tensorflow")
PACKAGE = Path(littlebrain.__file__).parent
#: the deep-RL baselines' own package folder, the one place an autograd library may be imported
BASELINES = Path(__file__).resolve().parents[1] / "baselines"


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


def autograd_imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return [name for name in names if name.split(".")[0] in FORBIDDEN]


def test_no_module_of_the_agent_imports_an_autograd_library():
    offenders = [
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in PACKAGE.rglob("*.py")
        for name in autograd_imports(path)
    ]
    assert offenders == []


def test_the_baselines_live_in_their_own_package_folder():
    import littlebrain_baselines

    folder = Path(littlebrain_baselines.__file__).parent
    assert folder == BASELINES / "littlebrain_baselines"
    assert any(autograd_imports(path) for path in folder.rglob("*.py"))
