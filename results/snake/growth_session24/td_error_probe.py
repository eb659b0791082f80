"""Diagnostic: how self-consistent each value system is along the path the brain lives.

Loads a run's last checkpoint and plays on with learning on (as the run would), from a fresh
episode (world seed 123); for every transition where both systems are sure of the action taken
and of the next one (confidence > 0.5), the one-step TD error r + gamma Q(s', a') - Q(s, a) of
the hippocampus's values, of the striatum's, and of their arbitrated mix. A value function
that is right for the policy has zero TD error on average and a small spread; the mean
squared error compares the two systems on the same transitions.

    python results/snake/growth_session24/td_error_probe.py RUN_FOLDER STEPS
"""

import sys

import numpy as np

import littlebrain  # noqa: F401 - registers the worlds
from littlebrain.runs import load_run_brain

config, env, brain, meta = load_run_brain(sys.argv[1])
steps, gamma = int(sys.argv[2]), brain.config.discount
errors: dict[str, list[float]] = {"hippocampus": [], "striatum": [], "arbitrated": []}


def score(before, action, values_now) -> None:
    """Add the TD errors of the decision `before` given the values of the next (None: the
    episode ended there)."""
    taken, q_e, c_e, q_s, c_s, q, outcome = before
    if c_e[taken] <= 0.5 or c_s[taken] <= 0.5:
        return
    if values_now is not None:
        n_q, n_qe, n_ce, n_qs, n_cs = values_now
        if n_ce[action] <= 0.5 or n_cs[action] <= 0.5:
            return
        nexts = (n_qe[action], n_qs[action], n_q[action])
    else:
        nexts = (0.0, 0.0, 0.0)
    for name, old, new in zip(errors, (q_e[taken], q_s[taken], q[taken]), nexts, strict=True):
        errors[name].append(outcome + gamma * new - old)


observation, _ = env.reset(seed=123)
feedback, before = 0.0, None
for _ in range(steps):
    action = brain.step(observation, feedback)
    _, _, _, _, q, q_e, c_e, q_s, c_s, _, _ = brain._last
    if before is not None:
        score(before, action, (q, q_e, c_e, q_s, c_s))
    observation, feedback, terminated, truncated, _ = env.step(action)
    before = (action, q_e.copy(), c_e.copy(), q_s.copy(), c_s.copy(), q.copy(), feedback)
    if terminated or truncated:
        brain.end_episode(observation, feedback, terminated)
        if terminated:
            score(before, 0, None)
        observation, _ = env.reset()
        feedback, before = 0.0, None
for name, values in errors.items():
    values = np.array(values)
    print(f"{name}: {len(values)} transitions, TD error mean {values.mean():.4f}, "
          f"mean square {np.mean(values**2):.4f}")  # fmt: skip
