"""Checkpoints: NumPy arrays (.npz, loaded with allow_pickle=False) plus JSON. Never pickle.

A checkpoint is a folder `step-<N>/` with `arrays.npz` (compressed) and `meta.json`; the meta
names the format, its version and the SHA-256 of the arrays, so that accidental corruption or a
foreign file is refused with a clear error before anything is loaded. Folders are written under
a temporary name and renamed into place, so a crash never leaves a half-written checkpoint
behind.

The checksum is no defence against a crafted checkpoint (anyone can recompute it). What is
read is bounded instead: each array's header is read before its data, object arrays are
refused, and the arrays may not add up to more than the caller's `max_bytes` (a brain's largest
possible state), so an archive cannot make the process allocate without bound. The values are
then checked by the regions themselves (`Region.check_state`) before any compiled code runs.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from littlebrain.errors import CheckpointError

FORMAT = "littlebrain-checkpoint"
#: 2: compressed arrays, memories stored up to their live rows, the exploration stream
VERSION = 2
#: the most a JSON file of a run folder or a checkpoint may weigh (they hold settings)
JSON_MAX_BYTES = 16 * 2**20


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


def read_json(path: Path, what: str, error: type[Exception]) -> Any:
    """Parse a small JSON file; `error` (one line) if it is missing, huge, or not JSON."""
    try:
        if path.stat().st_size > JSON_MAX_BYTES:
            raise error(f"{what} {path} is larger than {JSON_MAX_BYTES >> 20} MiB")
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as cause:
        reason = "nested too deeply" if isinstance(cause, RecursionError) else cause
        raise error(f"{what} {path} is unreadable: {reason}") from None


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
    np.savez_compressed(tmp / "arrays.npz", **arrays)
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


def load_checkpoint(
    directory: Path, max_bytes: int | None = None
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read a checkpoint folder; raise CheckpointError if it is missing, foreign or corrupt,
    or if its arrays would take more than `max_bytes` (None: no bound)."""
    directory = Path(directory)
    meta_path, arrays_path = directory / "meta.json", directory / "arrays.npz"
    if not meta_path.is_file() or not arrays_path.is_file():
        raise CheckpointError(
            f"{directory} is not a littlebrain checkpoint (missing meta.json or arrays.npz)"
        )
    meta = read_json(meta_path, "checkpoint meta", CheckpointError)
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{directory} is not a littlebrain checkpoint (foreign format)")
    if meta.get("version") != VERSION:
        raise CheckpointError(
            f"checkpoint {directory} has format version {meta.get('version')!r}, "
            f"this littlebrain reads {VERSION}"
        )
    if _sha256(arrays_path) != meta.get("arrays_sha256"):
        raise CheckpointError(
            f"checkpoint {directory} is corrupt (arrays.npz does not match its checksum)"
        )
    try:
        _check_sizes(arrays_path, max_bytes)
        with np.load(arrays_path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError, MemoryError) as error:
        raise CheckpointError(f"checkpoint {directory} cannot be read: {error}") from None
    return arrays, meta


def _check_sizes(path: Path, max_bytes: int | None) -> None:
    """Read every array's header (not its data) and refuse object arrays and archives that
    would unpack to more than `max_bytes`."""
    total = 0
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            if not member.filename.endswith(".npy"):
                raise ValueError(f"unexpected member {member.filename!r}")
            with archive.open(member) as file:
                version = np.lib.format.read_magic(file)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(file)
                elif version == (2, 0):
                    shape, _, dtype = np.lib.format.read_array_header_2_0(file)
                else:
                    raise ValueError(f"array {member.filename!r} has .npy version {version}")
            if dtype.hasobject:
                raise ValueError(f"array {member.filename!r} holds Python objects")
            total += max(member.file_size, math.prod(shape) * dtype.itemsize)
            if max_bytes is not None and total > max_bytes:
                raise ValueError(f"its arrays unpack to more than the brain's {max_bytes:,} bytes")
