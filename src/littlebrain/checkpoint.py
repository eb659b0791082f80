"""Checkpoints: NumPy arrays (.npz, loaded with allow_pickle=False) plus JSON. Never pickle.

A checkpoint is a folder `step-<N>/` with `arrays.npz` and `meta.json`; the meta names the
format, its version and the SHA-256 of the arrays, so that a corrupt or foreign checkpoint is
refused with a clear error before anything is loaded. Folders are written under a temporary
name and renamed into place, so a crash never leaves a half-written checkpoint behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from littlebrain.errors import CheckpointError

FORMAT = "littlebrain-checkpoint"
VERSION = 1


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to a temporary file beside `path`, then rename it into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as file:
        json.dump(data, file, indent=2, sort_keys=False)
        file.write("\n")
        file.flush()
        os.fsync(file.fileno())
    os.replace(tmp, path)


def save_checkpoint(directory: Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> Path:
    """Atomically write `arrays` and `meta` to the checkpoint folder `directory`."""
    for key, value in arrays.items():
        if np.asarray(value).dtype.kind == "O":
            raise TypeError(f"checkpoint array {key!r} has dtype object, which would need pickle")
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = directory.with_name(f".tmp-{directory.name}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    np.savez(tmp / "arrays.npz", **arrays)
    _fsync(tmp / "arrays.npz")
    header = {"format": FORMAT, "version": VERSION, "arrays_sha256": _sha256(tmp / "arrays.npz")}
    write_json_atomic(tmp / "meta.json", {**header, **meta})
    if directory.exists():
        old = directory.with_name(f".old-{directory.name}")
        shutil.rmtree(old, ignore_errors=True)
        os.rename(directory, old)
        os.rename(tmp, directory)
        shutil.rmtree(old)
    else:
        os.rename(tmp, directory)
    _fsync(directory.parent)
    return directory


def load_checkpoint(directory: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read a checkpoint folder; raise CheckpointError if it is missing, foreign or corrupt."""
    directory = Path(directory)
    meta_path, arrays_path = directory / "meta.json", directory / "arrays.npz"
    if not meta_path.is_file() or not arrays_path.is_file():
        raise CheckpointError(
            f"{directory} is not a littlebrain checkpoint (missing meta.json or arrays.npz)"
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CheckpointError(f"checkpoint {directory} has unreadable meta.json: {error}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{directory} is not a littlebrain checkpoint (foreign format)")
    if meta.get("version") != VERSION:
        raise CheckpointError(
            f"checkpoint {directory} has format version {meta.get('version')}, "
            f"this littlebrain reads {VERSION}"
        )
    if _sha256(arrays_path) != meta.get("arrays_sha256"):
        raise CheckpointError(
            f"checkpoint {directory} is corrupt (arrays.npz does not match its checksum)"
        )
    try:
        with np.load(arrays_path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (OSError, ValueError, zipfile.BadZipFile, KeyError) as error:
        raise CheckpointError(f"checkpoint {directory} cannot be read: {error}") from None
    return arrays, meta
