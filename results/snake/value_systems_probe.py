"""Which value system plays and predicts better, early and late in a run (sessions 22-23).

Loads a run's checkpoint, freezes the brain (epsilon 0.001) and plays EPISODES episodes with the
arbitration as it is ("both"), with one system's confidence set to 0 ("hippocampus": the
striatum left out; "striatum": the hippocampus left out), or with the hippocampus's confidence
scaled ("episodic=0.5"), or left out where the striatum's best action leads its second by more
than a gap ("habit=0.5"); or with the hippocampus's recall averaged otherwise ("recall-mean",
"recall-k=32"); or with the striatum's confidence growing linearly with its experience, in units
of V visits ("striatum-precision=20000"), where it saturates after about 20 today; or with each
system's values centred on its own level before they are mixed ("advantage"), or one weight per
system per state, its mean confidence over the actions ("state-weights"). Per step it
keeps each system's value of the chosen action and, at the episode's end, the discounted return
that followed (gamma 0.97, the brain's): the mean squared error of each system, and of the
arbitrated value, against it; and where both systems have a level (their confidence-weighted
mean value over the actions), the hippocampus's level minus the striatum's and how often their
best actions differ. Options (environment): EXACT=1 searches every memory (no IVF
cells); MAX_AGE=N leaves the memories stored more than N steps before the checkpoint without a
value.

    python results/snake/value_systems_probe.py RUN_FOLDER STEP MODE EPISODES
    python results/snake/value_systems_probe.py \
        runs/snake-1m-s21/littlebrain-egocentric-1000000/seed0 1000000 both 100
"""

import dataclasses
import json
import os
import sys

import numpy as np

import littlebrain  # noqa: F401 - registers the worlds
from littlebrain.checkpoint import load_checkpoint
from littlebrain.loop import AgentLoop
from littlebrain.regions import _exact as exact
from littlebrain.runs import RunFolder, make_brain, make_env

run, step, mode, episodes = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
folder, config = RunFolder.open(run)
env = make_env(config)
brain = make_brain(config, env)
checkpoint = [c for c in folder.checkpoints() if c.name.endswith(f"{step:012d}")][0]
arrays, _ = load_checkpoint(checkpoint, max_bytes=10**10)
brain.load_state_dict({k: v for k, v in arrays.items() if not k.startswith("loop.")})
brain.freeze(True)
hippocampus = brain.hippocampus
if os.environ.get("EXACT"):
    hippocampus._probe = hippocampus.config.ivf_cells
if os.environ.get("MAX_AGE"):
    old = hippocampus.stored_at[: hippocampus.size] < step - int(os.environ["MAX_AGE"])
    hippocampus.n_returns[: hippocampus.size][old] = 0
if mode == "recall-mean":  # the hippocampus recalls a plain mean of its k nearest
    hippocampus._kernel_averaging = False
elif mode.startswith("recall-k="):  # ... or weighs this many neighbours by its kernel
    k_neighbours = int(mode.split("=")[1])
    hippocampus.config = dataclasses.replace(hippocampus.config, k_neighbours=k_neighbours)
if mode.startswith("striatum-precision="):  # its confidence: experience / V, not saturating
    visits_unit = float(mode.split("=")[1])
    striatum = brain.striatum

    def linear_confidence(code, mass):
        if mass == 0:
            return np.zeros(striatum.n_actions)
        return exact.matvec(striatum.visits, np.abs(code) / mass) / visits_unit

    striatum._confidence = linear_confidence
arbitrate = brain.neuromodulators.arbitrate


def level(values, confidence):
    """A system's value of the state: its confidence-weighted mean over the actions (None
    where it has no confidence at all)."""
    total = float(np.sum(confidence))
    return float(np.sum(confidence * values)) / total if total > 0 else None


if mode == "hippocampus":
    brain.neuromodulators.arbitrate = lambda qe, ce, qs, cs: arbitrate(qe, ce, qs, 0 * cs)
elif mode == "striatum":
    brain.neuromodulators.arbitrate = lambda qe, ce, qs, cs: arbitrate(qe, 0 * ce, qs, cs)
elif mode.startswith("habit="):  # the striatum alone where its best action leads by > GAP
    gap_min = float(mode.split("=")[1])

    def habit(qe, ce, qs, cs):
        top = np.sort(qs)[-2:]
        return arbitrate(qe, ce * (top[1] - top[0] <= gap_min), qs, cs)

    brain.neuromodulators.arbitrate = habit
elif mode.startswith("episodic="):  # the hippocampus's confidence scaled by this factor
    factor = float(mode.split("=")[1])
    brain.neuromodulators.arbitrate = lambda qe, ce, qs, cs: arbitrate(qe, factor * ce, qs, cs)
elif mode == "advantage":  # each system's values centred on its own state value (session 23)

    def centred(qe, ce, qs, cs):
        levels = [level(qe, ce) or 0.0, level(qs, cs) or 0.0]
        weights = [np.sum(ce), np.sum(cs)]
        shared = np.dot(levels, weights) / max(sum(weights), 1e-12)
        # centred values, then the common level back: the ranking is each system's own
        return arbitrate(qe - levels[0] + shared, ce, qs - levels[1] + shared, cs)

    brain.neuromodulators.arbitrate = centred
elif mode == "state-weights":  # one weight per system in a state: its mean confidence

    def per_state(qe, ce, qs, cs):
        return arbitrate(qe, np.full_like(ce, ce.mean()), qs, np.full_like(cs, cs.mean()))

    brain.neuromodulators.arbitrate = per_state

levels_gap = []

rows, episode = [], []
think, conclude = brain.think, brain.conclude


def think_and_keep(observation, feedback):
    action = think(observation, feedback)
    _, _, _, _, q, q_e, c_e, q_s, c_s, _, _ = brain._last
    episode.append((feedback, q_e[action], q_s[action], q[action]))
    b_e, b_s = level(q_e, c_e), level(q_s, c_s)
    if b_e is not None and b_s is not None:
        levels_gap.append((b_e - b_s, int(np.argmax(q_e)) != int(np.argmax(q_s))))
    return action


def conclude_and_score(observation, feedback, terminated):
    conclude(observation, feedback, terminated)
    rewards = [e[0] for e in episode[1:]] + [feedback]  # step t+1's feedback is decision t's
    future, returns = 0.0, []
    for reward in reversed(rewards):
        future = reward + 0.97 * future
        returns.append(future)
    rows.extend((g, *e[1:]) for g, e in zip(reversed(returns), episode, strict=True))
    episode.clear()


brain.think, brain.conclude = think_and_keep, conclude_and_score
records = AgentLoop(env, brain, 777, stream="evaluation").run_episodes(episodes, max_steps=10**8)
g, q_e, q_s, q = np.array(rows, dtype=float).T
print(json.dumps({
    "run": run, "step": step, "mode": mode, "episodes": episodes,
    **({"exact": True} if os.environ.get("EXACT") else {}),
    **({"max_age": int(os.environ["MAX_AGE"])} if os.environ.get("MAX_AGE") else {}),
    "score_mean": float(np.mean([r.score for r in records])),
    "score_median": float(np.median([r.score for r in records])),
    "mse_hippocampus": float(np.mean((g - q_e) ** 2)),
    "mse_striatum": float(np.mean((g - q_s) ** 2)),
    "mse_arbitrated": float(np.mean((g - q) ** 2)),
    "mean_return": float(g.mean()),
    "level_gap_mean": float(np.mean([gap for gap, _ in levels_gap])),
    "level_gap_sd": float(np.std([gap for gap, _ in levels_gap])),
    "disagree": float(np.mean([d for _, d in levels_gap])),
}))  # fmt: skip
