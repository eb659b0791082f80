"""Diagnostic (not a mechanism of the brain): Snake, egocentric view, the default brain with its
discount switched to GAMMA at step AT through DefaultBrain.share_discount, which rescales the
striatum's weights and the hippocampus's values to the new horizon (a steady outcome rate r is
worth r / (1 - gamma)). Session 24's horizon_probe.py is the same switch without the rescaling.
Writes metrics.csv into OUT.

    python results/snake/growth_session25/horizon_switch_probe.py SEED GAMMA AT OUT STEPS
"""

import sys

from littlebrain.config import RunConfig
from littlebrain.loop import Callback
from littlebrain.runs import Session

seed, gamma, at, out, steps = (int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]),
                               sys.argv[4], int(sys.argv[5]))  # fmt: skip


class HorizonSwitch(Callback):
    def on_step(self, loop, transition) -> None:
        if transition.step == at:
            loop.brain.neuromodulators.base_discount = gamma
            loop.brain.share_discount()


config = RunConfig(env="snake", env_kwargs={"view": "egocentric"}, steps=steps, seed=seed,
                   checkpoint_every=steps)  # fmt: skip
session = Session.start(config, out)
session.loop.callbacks.append(HorizonSwitch())
session.run(show_progress=False)
