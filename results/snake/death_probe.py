"""How the default brain dies on Snake late in a run (session 21).

Trains the default brain (head-centred view unless told otherwise) for STEPS steps and, from
step START on, sorts every death: no safe move was left; the move was exploratory (not the
arbitrated best); the best move killed while another safe move led into at least as many open
cells as the body is long ("roomy"); or it killed while every safe move led into a pocket
smaller than the body ("cramped"). It also counts the steps on which the snake walked into
such a pocket while a roomy move existed. A pocket is measured by flooding the open cells from
the cell the move enters (the tail's cell counted open when the tail moves on).

    python results/snake/death_probe.py SEED STEPS START [VIEW] [ABLATE,...]
    python results/snake/death_probe.py 1 200000 150000     # results/snake/open_space_session21
"""

import collections
import json
import sys

import gymnasium as gym
import numpy as np

import littlebrain  # noqa: F401 - registers the worlds
from littlebrain.brains.default import DefaultBrain, DefaultBrainConfig
from littlebrain.loop import AgentLoop, Callback

HEAD = [(-1, 0), (0, 1), (1, 0), (0, -1)]


def deadly_and_room(env, action):
    u = env.unwrapped
    heading = (u._heading + action - 1) % 4
    h = u._body[0]
    n = u.size
    new = (h[0] + HEAD[heading][0], h[1] + HEAD[heading][1])
    if not (0 <= new[0] < n and 0 <= new[1] < n):
        return True, 0
    eats = new == u._food
    occ = u._occupied.copy()
    if not eats:
        occ[u._body[-1]] = False
    if occ[new]:
        return True, 0
    occ[new] = True
    # room: cells reachable from the new head
    seen = {new}
    stack = [new]
    while stack:
        r, c = stack.pop()
        for dr, dc in HEAD:
            q = (r + dr, c + dc)
            if 0 <= q[0] < n and 0 <= q[1] < n and not occ[q] and q not in seen:
                seen.add(q)
                stack.append(q)
    return False, len(seen) - 1


class Probe(Callback):
    def __init__(self, start):
        self.start = start
        self.last = None
        self.counts = collections.Counter()

    def on_action(self, loop, action):
        if loop.step_count < self.start:
            return
        q = loop.brain._last[4]
        info = [deadly_and_room(loop.env, a) for a in range(3)]
        self.last = (action, int(np.argmax(q)), info, len(loop.env.unwrapped._body))

    def on_step(self, loop, tr):
        if self.last is None or loop.step_count < self.start:
            return
        action, greedy, info, length = self.last
        if tr.terminated:
            safe = [a for a in range(3) if not info[a][0]]
            roomy = [a for a in safe if info[a][1] >= length]
            if not safe:
                kind = "no safe move"
            elif action != greedy:
                kind = "explored"
            elif roomy:
                kind = "greedy, a roomy safe move existed"
            else:
                kind = "greedy, only cramped safe moves"
            self.counts[kind] += 1
        # a trap entered: the move chosen was safe but its room was smaller than the body
        if (
            not info[action][0]
            and info[action][1] < length
            and any((not d) and r >= length for d, r in info)
        ):
            self.counts["entered a trap though a roomy move existed"] += 1
            self.counts["...of them explored" if action != greedy else "...of them greedy"] += 1


seed = int(sys.argv[1])
steps = int(sys.argv[2])
start = int(sys.argv[3])
env = gym.make("littlebrain/Snake-v0", view=sys.argv[4] if len(sys.argv) > 4 else "egocentric")
ablate = tuple(sys.argv[5].split(",")) if len(sys.argv) > 5 else ()
brain = DefaultBrain(
    env.observation_space, env.action_space, DefaultBrainConfig(ablate=ablate), seed=seed
)
probe = Probe(start)
records = AgentLoop(env, brain, seed=seed, callbacks=[probe]).run(steps)
print("score last 100:", sum(r.score for r in records[-100:]) / 100)
print(json.dumps(dict(probe.counts), indent=1))
