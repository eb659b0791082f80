"""State hashes of short Snake, DishPong and criticality runs: a refactoring of the agent loop
or the suites must leave them equal (on the same machine: floating-point order may differ
across CPUs, see results/snake/README.md).

    python benchmarks/state_hashes.py            # prints one JSON line per run
"""

from __future__ import annotations

import hashlib
import json
import tempfile

import numpy as np

from littlebrain.bench import criticality, dishpong
from littlebrain.config import RunConfig
from littlebrain.runs import Session


def digest(arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for key in sorted(arrays):
        h.update(key.encode())
        h.update(np.ascontiguousarray(arrays[key]).tobytes())
    return h.hexdigest()[:16]


def snake_run(steps: int = 6_000) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        config = RunConfig(env="snake", env_kwargs={"view": "egocentric"}, steps=steps,
                           checkpoint_every=steps)  # fmt: skip
        session = Session.start(config, f"{tmp}/run")
        summary = session.run(show_progress=False)
        return {"run": "snake", "steps": steps, "episodes": summary["episodes"],
                "state": digest(session.brain.state_dict())}  # fmt: skip


def dishpong_session(minutes: float = 3.0) -> dict:
    result = dishpong.play_session(dishpong.METHODS["littlebrain-stimulus"], "field-20ms", 0,
                                   session_minutes=minutes)  # fmt: skip
    text = json.dumps(result["rallies"]) + f"{result['hits']},{result['misses']}"
    return {"run": "dishpong-field-20ms", "minutes": minutes, "hits": result["hits"],
            "rallies": hashlib.sha256(text.encode()).hexdigest()[:16]}  # fmt: skip


def criticality_run() -> dict:
    result = criticality.play("snake", "critical", 0, 3_000)
    return {"run": "criticality-snake", "score": result["score"],
            "rates": digest({"rates": result["_rates"]})}  # fmt: skip


if __name__ == "__main__":
    for row in (snake_run(), dishpong_session(), criticality_run()):
        print(json.dumps(row))
