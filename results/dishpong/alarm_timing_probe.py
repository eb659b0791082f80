"""Diagnostic (session 20): when do the brain's surprise alarms fire, relative to the misses?

One 20-minute session of the stimulus condition; an alarm is counted where the predictor's
alarm flag rises. An alarm within 5 s of the last miss (the 4 s of unpredictable feedback and
one more) answers that miss; any other fires during play. The arm is a JSON object as in
body_and_credit_probe.py ("integrator", "dated", "onset", "replay_only"); {} is the default
brain.

    python results/dishpong/alarm_timing_probe.py '{}' field-50ms 0
    python results/dishpong/alarm_timing_probe.py \
        '{"integrator": "field", "dated": true, "onset": "cusum", "replay_only": true}' field-50ms 1
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from littlebrain.bench import dishpong
from littlebrain.brains import default
from littlebrain.config import RunConfig
from littlebrain.loop import AgentLoop
from littlebrain.regions.motor_memory import MotorMemory
from littlebrain.runs import make_brain

sys.path.insert(0, str(Path(__file__).parent))
import body_and_credit_probe as probe  # noqa: E402


class AlarmLog:
    """Per step: a hit, a miss, and whether the predictor's alarm is on."""

    def __init__(self) -> None:
        self.rows: list[tuple[bool, bool, bool]] = []
        self.brain = None

    def on_action(self, loop, action) -> None:
        self.brain = loop.brain

    def on_step(self, loop, transition) -> None:
        info = transition.info
        self.rows.append((info["hit"], info["miss"], bool(loop.brain.predictor.alarmed)))

    def on_episode_end(self, loop, record) -> None:
        pass


def main(arm: dict, setting: str, seed: int) -> None:
    bins = dishpong.SETTINGS[setting].env_kwargs["bins_per_second"]
    env = dishpong.make_world(dishpong.METHODS["littlebrain-stimulus"], setting)
    brain_config = dict(arm.get("brain", {}))
    if arm.get("integrator"):
        probe.IntegratingMotorMemory.bins_per_second = bins
        probe.IntegratingMotorMemory.frame = arm["integrator"]
        default.MotorMemory = probe.IntegratingMotorMemory
        brain_config["motor_memory"] = True
    if arm.get("dated"):
        probe.DatedAlarms.patch(skip=False, replay_only=arm.get("replay_only", False),
                                onset=arm.get("onset", "fast"))  # fmt: skip
    log = AlarmLog()
    config = RunConfig(env=dishpong.DISHPONG, brain="default", brain_config=brain_config,
                       seed=seed)  # fmt: skip
    try:
        AgentLoop(env, make_brain(config, env), seed, callbacks=[log]).run_episodes(1)
    finally:
        default.MotorMemory = MotorMemory
        probe.DatedAlarms.unpatch()
    hit, miss, alarmed = np.array(log.rows, dtype=bool).T
    raised = np.flatnonzero(alarmed[1:] & ~alarmed[:-1]) + 1
    misses = np.flatnonzero(miss)
    in_play = []
    for t in raised:
        before = misses[misses <= t]
        if not len(before) or (t - before[-1]) / bins > 5.0:
            in_play.append(round(float(t - (before[-1] if len(before) else 0)) / bins, 1))
    print(f"{setting} seed {seed} {json.dumps(arm)}: {len(raised)} alarms, {len(misses)} misses, "
          f"{int(hit.sum())} hits; {len(in_play)} alarms in play, at s since the last miss "
          f"(or the start): {in_play[:20]}")  # fmt: skip


if __name__ == "__main__":
    main(json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3]))
