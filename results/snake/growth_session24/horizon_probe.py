"""Diagnostic (not a mechanism of the brain): Snake, egocentric view, to 1M steps, with the
brain's discount moved from its default to GAMMA from step AT on (every region that reads it:
dopamine's target, the striatum's trace, the hippocampus's returns and their reach). Tests
whether the late decline is the policy converging on the discounted objective (quicker apples,
more traps) rather than an error of the value systems. With END, the horizon 1 / (1 - gamma)
grows linearly from the default's to GAMMA's between steps AT and END (set every 1,000 steps);
without, it switches at AT. Writes metrics.csv into OUT.

    python results/snake/growth_session24/horizon_probe.py SEED GAMMA AT OUT [END]
"""

import dataclasses
import sys

import numpy as np

from littlebrain.config import RunConfig
from littlebrain.loop import Callback
from littlebrain.runs import Session

seed, gamma_end, at, out = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
end = int(sys.argv[5]) if len(sys.argv) > 5 else at


class Horizon(Callback):
    def on_step(self, loop, transition) -> None:
        step = transition.step
        if step < at or step > end or (step - at) % 1000:
            return
        brain = loop.brain
        start_horizon = 1.0 / (1.0 - brain.config.discount)
        end_horizon = 1.0 / (1.0 - gamma_end)
        progress = 1.0 if end == at else (step - at) / (end - at)
        gamma = 1.0 - 1.0 / (start_horizon + progress * (end_horizon - start_horizon))
        brain.neuromodulators.discount = gamma
        brain.striatum.config = dataclasses.replace(brain.striatum.config, discount=gamma)
        memory = brain.hippocampus
        memory.config = dataclasses.replace(memory.config, discount=gamma)
        reach = np.log(memory.config.return_cutoff) / np.log(gamma)
        memory._reach = min(int(reach) + 1, memory.config.max_trajectory)
        if step in (at, end):
            print(f"discount {gamma:.5f} at step {step}", flush=True)


config = RunConfig(env="snake", env_kwargs={"view": "egocentric"}, steps=1_000_000, seed=seed,
                   checkpoint_every=1_000_000)  # fmt: skip
session = Session.start(config, out)
session.loop.callbacks.append(Horizon())
session.run(show_progress=False)
