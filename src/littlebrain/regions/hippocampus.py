"""Hippocampus (CA3/CA1): episodic content-addressable memory with reverse replay of outcomes.

Biology borrowed: CA3 stores each experience in one shot and recalls it from a partial or noisy
cue through its recurrent collaterals (pattern completion); CA1 compares the recalled pattern
with the current input (novelty = mismatch). When an animal reaches food, place cells replay the
path just taken in reverse order (Foster & Wilson 2006), which carries the outcome back to every
place that led to it. Here each memory is one visit: (key, action, value, time, episode), recalled
by nearest neighbours, as in Model-Free Episodic Control (Blundell et al. 2016).

Rules, one per event:

    store:   on every step, memory m = (key s_t, action a_t), merged into an identical (s, a)
    replay:  on an outcome r (any non-zero feedback, or an episode's end) walk the trajectory
             since the last outcome backwards: G_i = r * gamma^(n-1-i), then
             Q_m <- mean of all returns written to m           (update="mean"; default)
             Q_m <- max(Q_m, G_i)                              (update="max", MFEC)
             with returns="life", r also joins the returns that steps before earlier outcomes
             of the segment got: G_i <- G_i + r * gamma^(n-1-i), so Q_m moves by that over
             its number of returns, back as far as gamma^(n-1-i) >= return_cutoff
    recall:  Q(s, a) = mean of Q over the k nearest valued memories of action a
             (the value of an identical memory where one exists); novelty = distance to the
             nearest memory of any action

Returns are segment-wise by default: an outcome is written into the steps since the previous
outcome, not further back, so replay happens inside long episodes, not only at their end (steps
before an earlier outcome keep the returns that outcome gave them). With returns="life" each
step's return is the discounted sum of every outcome that follows it to the end of the segment
(a life, in Atari), as in Monte-Carlo episodic control (NAIT, Long et al. 2022), still written
as outcomes arrive: a step first gets the next outcome, and later ones are added while their
discounted weight stays above `return_cutoff`. Episode ends:
  * termination: the final feedback (even 0) is replayed; a terminal state is worth 0, so a
    death with no explicit penalty still writes 0 into the last steps;
  * truncation: the final feedback plus gamma * V(final state) is replayed, where V is the
    largest recalled action value at the final key if any is known; if none is known and the
    final feedback is 0, the pending steps stay unvalued (no outcome is invented for them).
Memories waiting for an outcome carry no value; they count for novelty and merging, never for Q.
The discount starts at the config's; the brain may lengthen it between lives (`set_discount`,
with every value rescaled to the new horizon by `scale_values`: DefaultBrain.share_discount).

Capacity and forgetting: at most `capacity` memories. When full, `evict_fraction` of them is
forgotten at once (batching keeps the cost amortised): "lru" drops the least recently used
(recalled as a neighbour, stored, merged or replayed); "least_valuable" drops the smallest |Q|
first (unvalued before valued), least recently used among equals. Memories still waiting for
their outcome are never dropped unless nothing else is left.

Search: exact (every stored key) until `ivf_threshold` memories; above it (index="auto") an
inverted-file index: k-means centroids split the key space into cells, each memory lives in the
block of its nearest cell, and a query scans the `ivf_probe` nearest cells (plus the memories
stored since the last compaction) only. The centroids are trained on the stored keys
(deterministic init, no random draws) when the threshold is crossed and again each time as many
stores as the memory held at the last training have happened, so the cells follow the agent
into new states. A query is one compiled call (`_hippocampus_kernels.recall`, Numba, cached on
disk): cell choice, distances, per-action k nearest, averaging, novelty, confidence and the
merge check, fused; NumPy needed about 60 small calls for it, which cost more than the
arithmetic. Numba is required: there is no silent NumPy fallback (the tests check the kernel
against a plain NumPy reference).

State: every persistent quantity is a NumPy array in `state_names` (keys, values, actions,
times, tags, the trajectory, the centroids and each memory's cell), so `state_dict` round-trips
bit-exactly. The cell offsets of the sorted part are derived: they are rebuilt from those arrays
on load, so a resumed run searches exactly like an uninterrupted one (the kernels are
deterministic for a given machine and build).

Reads: a float32 key of size `key_dim` (the cortex code; a dentate-gyrus code also works, set
key_dim to its n_units), the previous action's feedback, and the chosen action (`store`).
Writes: a `Recall` with per-action values, how many valued neighbours back each, and novelty;
for consolidation, valued memories drawn at random with their tags (`Sampled`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from littlebrain.checks import check_array, check_feedback
from littlebrain.config import derived
from littlebrain.errors import ConfigError, ObservationError
from littlebrain.region import Region, require, require_range
from littlebrain.regions import _exact as exact
from littlebrain.regions import _hippocampus_kernels as kernels
from littlebrain.regions import ivf

# names of the scalar counters kept in one int64 array (one entry of state_names)
_COUNTERS = (
    "clock",  # calls of `step` (one per environment step): the time of stores and uses
    "size",  # live memories; they occupy slots [0, size)
    "sorted_end",  # slots [0, sorted_end) are sorted by (cell, action); the rest is recent
    "traj_len",  # memories waiting for an outcome
    "episode",  # current episode number
    "n_stores",  # stores since creation (bulk loads included)
    "n_cells",  # IVF cells in use; 0 while the search is exact
    "trained_at",  # n_stores when the IVF centroids were last trained
    "trained_size",  # memories when the IVF centroids were last trained
    "traj_valued",  # of the trajectory, the first ones already hold a return (returns="life")
)
# per-memory arrays, permuted together when the memory is compacted
_PER_MEMORY = (
    "keys",
    "sqnorms",
    "actions",
    "values",
    "n_returns",
    "visits",
    "last_used",
    "stored_at",
    "episode_of",
    "cell_of",
    "tags",
)


@dataclass(frozen=True)
class HippocampusConfig:
    key_dim: int = derived(64, "the size of the state code")
    n_actions: int = derived(4, "the world's action space")
    #: most memories kept; the rest is forgotten by `forgetting`
    capacity: int = 100_000
    #: neighbours averaged per action value (MFEC used 11)
    k_neighbours: int = 11
    #: how the neighbours' values are averaged: "kernel" weighs each by 1 / (d^2 + delta)
    #: (Neural Episodic Control's inverse-distance kernel), so a close memory outweighs far ones;
    #: "mean" is MFEC's plain average
    averaging: str = "kernel"
    #: delta of the kernel per key dimension (delta = kernel_delta * key_dim): the squared
    #: distance below which memories count about equally
    kernel_delta: float = 1e-3
    #: gamma of the replayed returns
    discount: float = derived(0.99, "the brain's discount (brain_config.discount)")
    #: "mean" (Q = average return) or "max" (Q = best return seen, MFEC). The best return is
    #: the value only where the world is deterministic; where chance decides (food placement,
    #: a serve's angle) it remembers the luckiest outcome of a risky move. Snake (egocentric,
    #: 200k steps, seeds 0-4): 30.3 / 28.5 / 27.1 / 28.8 / 27.0 with "mean" against 27.8 /
    #: 25.8 / 29.0 / 27.0 / 27.0 with "max"; DishPong (stimulus, 10 seeds): 44.4 hits per
    #: rally in the last 15 minutes against 2.2 with "max" (session 7)
    update: str = "mean"
    #: "lru" (least recently used) or "least_valuable" (smallest |Q|, then least recently used)
    forgetting: str = "lru"
    #: share of the capacity forgotten at once when the memory is full
    evict_fraction: float = 0.01
    #: a store within this distance of a memory of the same action merges into it (0: identical)
    merge_radius: float = 0.0
    #: "exact" always, or "auto": exact below ivf_threshold memories, the IVF index above
    index: str = "auto"
    #: the search is approximate from 5,000 memories on and scans 4 of 256 cells: Snake
    #: (egocentric, 100k steps, seeds 0 / 1) scored 21.6 / 20.5 with it against 21.5 / 18.7 with
    #: 20,000 and 16 cells (sessions 2-4), and recall took 112 instead of 411 us per step
    #: (session 5). An averaged value over k neighbours forgives a missed neighbour or two
    ivf_threshold: int = 5_000
    ivf_cells: int = 256
    ivf_probe: int = 4
    #: steps kept for replay between outcomes; older ones never get a value (gamma^n ~ 0)
    max_trajectory: int = 20_000
    #: "life": a step's return is the discounted sum of all the outcomes that follow it in its
    #: segment (needs update="mean"); "segment": only the next outcome, discounted. With the
    #: optimistic prior (NeuromodulatorConfig.optimism), against neither (session 9): Snake
    #: (egocentric, 200k steps, seeds 0-4) 34.8 / 39.6 / 38.9 / 38.9 / 38.6 against 34.3 / 30.0
    #: / 34.7 / 28.2 / 35.2; Atari development games (seed 0, frozen, the projection code)
    #: Pong -17.9 -> -11.9, MsPacman 625 -> 896, Boxing 6.2 -> 3.1, Freeway 0 -> 1.8, Breakout
    #: 1.6 -> 0.0 (the frozen policy stalls at the serve); DishPong (stimulus, 20 seeds) median
    #: hits per rally in T2 6.8 against 15.1, paired Wilcoxon p = 0.41. Life returns alone:
    #: Pong -13.8, MsPacman 1,257, Boxing 3.1, Freeway 0, Breakout 0.0; Snake seed 0 37.3
    returns: str = "life"
    #: with returns="life", an outcome reaches back to the steps it weighs at least this much
    return_cutoff: float = 1e-3
    #: integers each memory carries beside its key, given when it is stored and handed back
    #: by `sample_valued` (0: none). The default brain stores the dentate gyrus's active units
    #: there, the sparse index CA3 receives through the mossy fibres, so that consolidation
    #: replays a memory's code without recomputing it
    tag_width: int = derived(0, "the dentate gyrus's k_active")

    def __post_init__(self) -> None:
        def bad(field: str, why: str) -> None:
            raise ConfigError(f"HippocampusConfig.{field} {why}, got {getattr(self, field)!r}")

        if self.key_dim < 1:
            bad("key_dim", "must be >= 1")
        if self.n_actions < 1:
            bad("n_actions", "must be >= 1")
        if self.capacity < 2:
            bad("capacity", "must be >= 2")
        if self.k_neighbours < 1:
            bad("k_neighbours", "must be >= 1")
        if self.averaging not in ("kernel", "mean"):
            bad("averaging", "must be 'kernel' or 'mean'")
        if not self.kernel_delta > 0:
            bad("kernel_delta", "must be > 0")
        if not 0.0 < self.discount <= 1.0:
            bad("discount", "must be in (0, 1]")
        if self.update not in ("max", "mean"):
            bad("update", "must be 'max' or 'mean'")
        if self.forgetting not in ("lru", "least_valuable"):
            bad("forgetting", "must be 'lru' or 'least_valuable'")
        if not 0.0 < self.evict_fraction <= 0.5:
            bad("evict_fraction", "must be in (0, 0.5]")
        if not (self.merge_radius >= 0.0 and np.isfinite(self.merge_radius)):
            bad("merge_radius", "must be finite and >= 0")
        if self.index not in ("exact", "auto"):
            bad("index", "must be 'exact' or 'auto'")
        if self.ivf_cells < 2:
            bad("ivf_cells", "must be >= 2")
        if not 1 <= self.ivf_probe <= self.ivf_cells:
            bad("ivf_probe", "must be in [1, ivf_cells]")
        if self.ivf_threshold < 4 * self.ivf_cells:
            bad("ivf_threshold", "must be >= 4 * ivf_cells (enough keys to train the cells)")
        if self.max_trajectory < 1:
            bad("max_trajectory", "must be >= 1")
        if self.returns not in ("segment", "life"):
            bad("returns", "must be 'segment' or 'life'")
        if self.returns == "life" and self.update != "mean":
            bad("returns", "'life' needs update='mean' (a sum of outcomes is not a best one)")
        if not 0.0 < self.return_cutoff < 1.0:
            bad("return_cutoff", "must be in (0, 1)")
        if self.tag_width < 0:
            bad("tag_width", "must be >= 0")


@dataclass(frozen=True)
class Recall:
    """What the hippocampus says about one key."""

    #: estimated value of each action (0 where `known` is False)
    values: np.ndarray
    #: valued neighbours behind each estimate (0..k): a confidence for arbitration
    counts: np.ndarray
    #: distance to the nearest memory of any action (inf while the memory is empty)
    novelty: float
    #: how close the action's nearest valued memory is, in [0, 1]: s / (d^2 + s), s being the
    #: memory's typical squared novelty. An identical memory counts fully, a far one hardly at
    #: all, so an action tried only elsewhere is not trusted here.
    confidence: np.ndarray

    @property
    def known(self) -> np.ndarray:
        return self.counts > 0


@dataclass(frozen=True)
class Sampled:
    """Memories drawn for consolidation, one row per memory."""

    keys: np.ndarray
    actions: np.ndarray
    values: np.ndarray
    #: each memory's tag (width `tag_width`, possibly 0)
    tags: np.ndarray


@dataclass
class _Search:
    """What a store needs from the search of its key (kept from the recall just before)."""

    key: np.ndarray
    home: int  # IVF cell of the key (0 when exact)
    merge: np.ndarray  # per action, the slot of a memory within merge_radius of the key, or -1


class Hippocampus(Region):
    """Episodic memory with k-NN recall, reverse replay and bounded capacity (see module doc).

    Memory layout: live memories occupy slots [0, size). Slots [0, sorted_end) are sorted by
    (IVF cell, action), so the memories of one cell are a contiguous block that a query reads
    without gathering; slots [sorted_end, size) hold the memories stored since, in order, and
    are always searched exhaustively. Compaction (when the recent part is full, when
    memories are forgotten, after training the cells) sorts everything again. A slot number is
    therefore valid until the next compaction only; `value_of` finds a memory by its key.
    """

    state_names = (*_PER_MEMORY, "centroids", "trajectory", "counters", "distance_scale")

    def __init__(self, config: HippocampusConfig) -> None:
        super().__init__()
        if not isinstance(config, HippocampusConfig):
            raise ConfigError(f"expected a HippocampusConfig, got {type(config).__name__}")
        self.config = config
        n, d = config.capacity, config.key_dim
        self.keys = np.zeros((n, d), dtype=np.float32)
        self.sqnorms = np.zeros(n, dtype=np.float32)
        self.actions = np.zeros(n, dtype=np.int32)
        self.values = np.zeros(n, dtype=np.float32)
        self.n_returns = np.zeros(n, dtype=np.int32)  # returns written; 0 = waiting / unvalued
        self.visits = np.zeros(n, dtype=np.int32)
        self.last_used = np.zeros(n, dtype=np.int64)
        self.stored_at = np.zeros(n, dtype=np.int64)
        self.episode_of = np.zeros(n, dtype=np.int64)
        self.cell_of = np.zeros(n, dtype=np.int32)
        self.tags = np.zeros((n, config.tag_width), dtype=np.int32)
        self.centroids = np.zeros((config.ivf_cells, d), dtype=np.float32)
        self.trajectory = np.zeros(config.max_trajectory, dtype=np.int64)
        self.counters = np.zeros(len(_COUNTERS), dtype=np.int64)
        # running mean of the squared novelty (the scale of "near" for the confidence) and the
        # number of recalls behind it: the step is 1/n until it reaches
        # 1/kernels.DISTANCE_SCALE_STEPS (the compiled recall updates it)
        self.distance_scale = np.zeros(2, dtype=np.float64)
        self._n = dict.fromkeys(_COUNTERS, 0)
        self._n_evict = max(1, int(config.capacity * config.evict_fraction))
        self.set_discount(config.discount)
        # the recent part is searched exhaustively; it is sorted in when it reaches this size
        self._recent_max = min(config.capacity, max(256, self._n_evict))
        self._scratch_s: np.ndarray | None = None  # work buffers of the compiled query
        self._scratch_d: np.ndarray | None = None
        self._scratch_k: np.ndarray | None = None
        self._rebuild_derived()

    # -- counters -----------------------------------------------------------------------
    # the counters live as Python ints while running (cheap to read); `counters` holds them
    # in the state
    def _set(self, name: str, value: int) -> None:
        self._n[name] = int(value)

    @property
    def size(self) -> int:
        """Number of live memories."""
        return self._n["size"]

    @property
    def pending(self) -> np.ndarray:
        """Slots stored since the last outcome, oldest first (they wait for replay)."""
        return self.trajectory[self._n["traj_valued"] : self._n["traj_len"]].copy()

    @property
    def uses_ivf(self) -> bool:
        return self._n["n_cells"] > 0

    # -- input checks -------------------------------------------------------------------
    def _check_key(self, key: np.ndarray, what: str = "key") -> np.ndarray:
        key = check_array(key, (self.config.key_dim,), f"hippocampus {what}")
        return key.astype(np.float32)  # a copy: the caller may reuse its buffer

    def _check_tags(self, tags: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray:
        if tags is None:
            if self.config.tag_width:
                raise ObservationError(
                    f"this hippocampus keeps {self.config.tag_width} tag values per memory: "
                    "give them"
                )
            return np.zeros(shape, dtype=np.int32)
        tags = np.asarray(tags)
        if tags.shape != shape or tags.dtype.kind not in "iu":
            raise ObservationError(
                f"tags must be integers of shape {shape}, got {tags.dtype}{list(tags.shape)}"
            )
        if (
            tags.dtype != np.int32
            and tags.size
            and (tags.min() < np.iinfo(np.int32).min or tags.max() > np.iinfo(np.int32).max)
        ):
            raise ObservationError("tags must fit in 32-bit integers")
        return tags.astype(np.int32, copy=False)

    def _check_action(self, action: int) -> int:
        if isinstance(action, bool) or not isinstance(action, int | np.integer):
            raise ObservationError(f"action must be an integer, got {action!r}")
        if not 0 <= action < self.config.n_actions:
            raise ObservationError(f"action {action} outside [0, {self.config.n_actions})")
        return int(action)

    # -- the step API -------------------------------------------------------------------
    def step(self, key: np.ndarray, feedback: float = 0.0) -> Recall:
        """Replay `feedback` (the outcome of the previous action) if non-zero, then recall `key`."""
        key = self._check_key(key)
        feedback = check_feedback(feedback)
        if not self.frozen:
            self._n["clock"] += 1  # one step per environment step: the clock ticks here
            if feedback != 0.0:
                self._replay(feedback)
        return self._recall(key)

    def recall(self, key: np.ndarray) -> Recall:
        """Per-action values and novelty of `key`, without delivering feedback."""
        return self._recall(self._check_key(key))

    def store(self, key: np.ndarray, action: int, tag: np.ndarray | None = None) -> int:
        """Remember (key, action) as the latest step of the trajectory; returns its slot.

        `tag` (integers, `tag_width` of them) is required when tag_width > 0; a memory that
        merges into an existing one keeps that memory's tag (its key is the same)."""
        cache, self._cache = self._cache, None
        if cache is not None and cache.key.shape == np.shape(key) and (cache.key == key).all():
            search = cache  # the key just recalled: already checked and searched
        else:
            search = self._search(self._check_key(key))
        action = self._check_action(action)
        tag = self._check_tags(tag, (self.config.tag_width,))
        if self.frozen:
            return -1
        slot = int(search.merge[action])
        if slot < 0:
            if self._n["size"] >= self.config.capacity:
                self._forget(self._n_evict)  # renumbers slots; the search's cell stays valid
            slot = self._append(search.key, action, search.home)
            self.tags[slot] = tag
        clock = self._n["clock"]
        self.visits[slot] += 1
        self.last_used[slot] = clock
        self.stored_at[slot] = clock
        self.episode_of[slot] = self._n["episode"]
        self._push_trajectory(slot)
        self._set("n_stores", self._n["n_stores"] + 1)
        self._maintain()
        return slot

    def conclude(
        self, feedback: float, terminated: bool, final_key: np.ndarray | None = None
    ) -> None:
        """Deliver an episode's last feedback; `terminated` False means it was cut short."""
        feedback = check_feedback(feedback)
        if final_key is not None:
            final_key = self._check_key(final_key, "final key")
        if self.frozen or self._n["traj_len"] == 0:
            return
        if terminated:
            self._replay(feedback)
            self._end_segment()
            return
        bootstrap = 0.0
        known_future = False
        if final_key is not None:
            recall = self._recall(final_key)
            if recall.known.any():
                bootstrap = self.discount * float(recall.values[recall.known].max())
                known_future = True
        if feedback != 0.0 or known_future:
            self._replay(feedback + bootstrap)
        self._end_segment()  # with no outcome to write, the pending steps stay unvalued

    def set_discount(self, discount: float) -> None:
        """The gamma of the returns replayed from now on (memories keep the returns they
        hold), and with it how far back an outcome reaches."""
        self.discount = discount
        # returns="life": the steps back an outcome still weighs return_cutoff or more
        self._reach = self.config.max_trajectory
        if discount < 1.0:
            reach = np.log(self.config.return_cutoff) / np.log(discount)
            self._reach = min(int(reach) + 1, self.config.max_trajectory)

    def scale_values(self, factor: float) -> None:
        """Multiply every memory's value (a new horizon: see DefaultBrain.share_discount)."""
        if factor != 1.0:
            self.values *= np.float32(factor)
            self._cache = None

    def reset_episode(self) -> None:
        """Start a new episode; a trajectory still waiting (no `conclude`) stays unvalued."""
        self._end_segment()
        self._set("episode", self._n["episode"] + 1)
        self._cache = None

    # -- reading memories ---------------------------------------------------------------
    def nearest(
        self, cue: np.ndarray, k: int = 1, mask: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Slots and distances of the k memories nearest a cue, any action, exact search.

        `mask` (bool, key_dim) marks the entries of the cue that are known; distances use those
        only, so a cue with half its entries missing still finds the stored pattern.
        """
        cue = self._check_key(cue, "cue")
        keys = self.keys[: self.size]
        if mask is not None:
            mask = np.asarray(mask)
            if mask.shape != (self.config.key_dim,) or mask.dtype != bool:
                raise ObservationError(
                    f"mask must be bool of shape ({self.config.key_dim},), "
                    f"got {mask.dtype}{mask.shape}"
                )
            if not mask.any():
                raise ObservationError("mask hides every entry of the cue")
            keys, cue = keys[:, mask], cue[mask]
        k = min(k, self.size)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        keys = np.ascontiguousarray(keys)
        d2 = exact.row_sqnorms(keys) - 2.0 * exact.matvec(keys, cue) + exact.dot(cue, cue)
        top = np.argpartition(d2, k - 1)[:k] if k < len(d2) else np.arange(len(d2))
        top = top[np.argsort(d2[top], kind="stable")]
        return top.astype(np.int64), np.sqrt(np.maximum(d2[top], 0.0))

    def complete(self, cue: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """The stored key nearest a partial or noisy cue (pattern completion)."""
        slots, _ = self.nearest(cue, 1, mask)
        if len(slots) == 0:
            raise ObservationError("the hippocampus is empty: nothing to complete from")
        return self.keys[slots[0]].copy()

    def value_of(self, key: np.ndarray, action: int) -> float | None:
        """Value of the memory of exactly (key, action); None if there is none or no value yet."""
        key = self._check_key(key)
        action = self._check_action(action)
        n = self.size
        hits = np.flatnonzero(
            (self.actions[:n] == action) & np.all(self.keys[:n] == key[None, :], axis=1)
        )
        if len(hits) == 0 or self.n_returns[hits[0]] == 0:
            return None
        return float(self.values[hits[0]])

    def neighbours(self, key: np.ndarray, k: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Per-action nearest memories (valued or not) as the index finds them.

        Returns slots (n_actions, k), -1 where an action has fewer memories, and distances
        (n_actions, k), nearest first. Used to measure the index's recall@k against exact search.
        """
        k = self.config.k_neighbours if k is None else k
        key = self._check_key(key)
        self._ensure_scratch()
        n, _ = kernels.candidates(*self._index_args(key), self._scratch_s, self._scratch_d)
        slots = self._scratch_s[:n].copy()
        d2 = self._scratch_d[:n].astype(np.float64) + float(key.astype(np.float64) @ key)
        acts = self.actions[slots]
        order = np.lexsort((d2, acts))  # by action, then distance; search order on ties
        first = np.searchsorted(acts[order], np.arange(self.config.n_actions + 1))
        out_slots = np.full((self.config.n_actions, k), -1, dtype=np.int64)
        out_d = np.full((self.config.n_actions, k), np.inf, dtype=np.float32)
        for a in range(self.config.n_actions):
            pick = order[first[a] : min(first[a + 1], first[a] + k)]
            out_slots[a, : len(pick)] = slots[pick]
            out_d[a, : len(pick)] = np.sqrt(np.maximum(d2[pick], 0.0))
        return out_slots, out_d

    def sample_valued(self, n: int, rng: np.random.Generator) -> Sampled:
        """Up to n memories that hold a value, drawn at random.

        This is the replay that consolidates episodes into the striatum. It draws 2n slots
        uniformly and keeps the valued ones, which is cheap and uniform over valued memories;
        it does not count as a use (consolidation must not keep a memory from being forgotten).
        """
        if self.size == 0 or n <= 0:
            slots = np.zeros(0, dtype=np.int64)
        else:
            slots = rng.integers(self.size, size=2 * n)
            slots = slots[self.n_returns[slots] > 0][:n]
        return Sampled(self.keys[slots], self.actions[slots], self.values[slots], self.tags[slots])

    # -- bulk load ----------------------------------------------------------------------
    def load_memories(
        self,
        keys: np.ndarray,
        actions: np.ndarray,
        values: np.ndarray,
        tags: np.ndarray | None = None,
    ) -> None:
        """Write already-valued memories in bulk (no merging, no trajectory).

        For seeding a memory (benchmarks, consolidation experiments); they must fit. `tags`
        (n, tag_width) is required when tag_width > 0.
        """
        keys = np.asarray(keys)
        n = len(keys)
        if keys.shape != (n, self.config.key_dim) or not np.all(np.isfinite(keys)):
            raise ObservationError(
                f"keys must be finite with shape (n, {self.config.key_dim}), got {keys.shape}"
            )
        actions = np.asarray(actions)
        values = np.asarray(values, dtype=np.float32)
        if actions.shape != (n,) or values.shape != (n,) or not np.all(np.isfinite(values)):
            raise ObservationError("actions and values must be finite with one entry per key")
        if n and (actions.min() < 0 or actions.max() >= self.config.n_actions):
            raise ObservationError(f"actions must lie in [0, {self.config.n_actions})")
        tags = self._check_tags(tags, (n, self.config.tag_width))
        start = self.size
        if start + n > self.config.capacity:
            raise ObservationError(
                f"{n} memories do not fit: {start} of {self.config.capacity} are in use"
            )
        new = slice(start, start + n)
        self.keys[new] = keys
        self.sqnorms[new] = kernels.row_sqnorms(self.keys[new])
        self.actions[new] = actions
        self.values[new] = values
        self.tags[new] = tags
        self.n_returns[new] = 1
        self.visits[new] = 1
        self.last_used[new] = self._n["clock"]
        self.stored_at[new] = self._n["clock"]
        self.episode_of[new] = self._n["episode"]
        self.cell_of[new] = self._assign_cells(self.keys[new]) if self.uses_ivf else 0
        self._set("size", start + n)
        self._set("n_stores", self._n["n_stores"] + n)
        self._compact()
        self._maintain()

    # -- state --------------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """The state, with only the live rows of the memory and of the trajectory: a
        checkpoint holds what is stored, not the capacity (empty slots are zero anyway)."""
        self.counters[:] = [self._n[name] for name in _COUNTERS]
        live = {name: self._n["size"] for name in _PER_MEMORY}
        live["trajectory"] = self._n["traj_len"]
        return {
            name: np.array(
                getattr(self, name)[: live[name]] if name in live else getattr(self, name)
            )
            for name in self.state_names
        }

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        self.check_state(state)
        for name in self.state_names:
            array = getattr(self, name)
            if name in _PER_MEMORY or name == "trajectory":  # live rows, then empty slots
                array[: len(state[name])] = state[name]
                array[len(state[name]) :] = 0
            else:
                setattr(self, name, np.array(state[name], copy=True))
        self._n = {name: int(self.counters[i]) for i, name in enumerate(_COUNTERS)}
        self._rebuild_derived()

    def _counters_of(self, state: dict[str, np.ndarray]) -> dict[str, int]:
        """The counters of a state to load, checked: every other check relies on them."""
        counters, cfg = np.asarray(state.get("counters")), self.config
        require(
            counters.shape == (len(_COUNTERS),) and counters.dtype == np.int64,
            f"Hippocampus.counters: expected int64[{len(_COUNTERS)}], "
            f"got {counters.dtype}{list(counters.shape)}",
        )
        n = {name: int(value) for name, value in zip(_COUNTERS, counters, strict=True)}
        require(min(n.values()) >= 0, f"Hippocampus.counters must be >= 0, got {n}")
        require(
            n["size"] <= cfg.capacity,
            f"Hippocampus holds {n['size']} memories, more than its capacity {cfg.capacity}",
        )
        require(n["sorted_end"] <= n["size"], "Hippocampus.counters: sorted_end exceeds size")
        require(
            n["traj_len"] <= cfg.max_trajectory,
            f"Hippocampus.counters: traj_len exceeds max_trajectory {cfg.max_trajectory}",
        )
        require(
            n["n_cells"] in (0, cfg.ivf_cells),
            f"Hippocampus.counters: n_cells must be 0 or {cfg.ivf_cells}, got {n['n_cells']}",
        )
        require(
            n["trained_at"] <= n["n_stores"], "Hippocampus.counters: trained_at exceeds n_stores"
        )
        require(
            n["traj_valued"] <= n["traj_len"], "Hippocampus.counters: traj_valued exceeds traj_len"
        )
        return n

    def expected_shape(self, name: str, state: dict[str, np.ndarray]) -> tuple[int, ...]:
        n = self._counters_of(state)
        if name in _PER_MEMORY:
            return (n["size"], *getattr(self, name).shape[1:])
        if name == "trajectory":
            return (n["traj_len"],)
        return super().expected_shape(name, state)

    def check_invariants(self, state: dict[str, np.ndarray]) -> None:
        n, cfg = self._counters_of(state), self.config
        require_range("Hippocampus.actions", state["actions"], 0, cfg.n_actions)
        require_range("Hippocampus.cell_of", state["cell_of"], 0, max(n["n_cells"], 1))
        require_range("Hippocampus.trajectory", state["trajectory"], 0, n["size"])
        require_range("Hippocampus.n_returns", state["n_returns"], 0, np.inf)
        require_range("Hippocampus.visits", state["visits"], 0, np.inf)
        require_range("Hippocampus.last_used", state["last_used"], 0, n["clock"] + 1)
        require_range("Hippocampus.stored_at", state["stored_at"], 0, n["clock"] + 1)
        require_range("Hippocampus.episode_of", state["episode_of"], 0, n["episode"] + 1)
        require_range("Hippocampus.tags", state["tags"], -1, np.inf)
        require_range("Hippocampus.distance_scale", state["distance_scale"], 0, np.inf)
        # the sorted part is ordered by (cell, action): a query reads each cell as one block
        sorted_end = n["sorted_end"]
        group = state["cell_of"][:sorted_end].astype(np.int64) * cfg.n_actions
        if n["n_cells"] == 0:
            group = np.zeros(sorted_end, dtype=np.int64)
        group += state["actions"][:sorted_end]
        require(
            bool(np.all(np.diff(group) >= 0)),
            "Hippocampus: the sorted memories are not in (cell, action) order",
        )

    # -- internals: search ---------------------------------------------------------------
    def _ensure_scratch(self) -> None:
        """Work buffers of the compiled query, sized for the worst case (an exact search)."""
        if self._scratch_s is None:
            n = self.config.capacity
            self._scratch_s = np.empty(n, dtype=np.int64)
            self._scratch_d = np.empty(n, dtype=np.float32)
            self._scratch_k = np.empty(n, dtype=np.float32)

    def _index_args(self, key: np.ndarray) -> tuple:
        """The memory and index arguments shared by the compiled search kernels."""
        n = self._n
        return (
            self.keys,
            self.sqnorms,
            key,
            self.centroids,
            self._centroid_sqnorms,
            n["n_cells"],
            self._probe,
            self._cell_start,
            self._cell_end,
            n["sorted_end"],
            n["size"],
        )

    def _query(self, key: np.ndarray, mark: bool) -> tuple[Recall, _Search]:
        """One compiled call: values, counts, confidence, novelty, home cell, merge targets.

        With `mark` the chosen neighbours count as used and the distance scale learns.
        """
        cfg, n_actions = self.config, self.config.n_actions
        self._ensure_scratch()
        values = np.empty(n_actions, dtype=np.float32)
        counts = np.empty(n_actions, dtype=np.int64)
        confidence = np.empty(n_actions, dtype=np.float32)
        merge = np.empty(n_actions, dtype=np.int64)
        novelty2, home, _ = kernels.recall(
            *self._index_args(key),
            self.actions,
            self.values,
            self.n_returns,
            self.last_used,
            cfg.k_neighbours,
            self._kernel_averaging,
            self._kernel_delta,
            self._radius2,
            self._n["clock"] if mark else -1,
            self.distance_scale,
            self._scratch_d,
            self._scratch_s,
            self._scratch_k,
            values,
            counts,
            confidence,
            merge,
        )
        recall = Recall(values, counts, float(np.sqrt(novelty2)), confidence)
        return recall, _Search(key, int(home), merge)

    def _search(self, key: np.ndarray) -> _Search:
        """The search behind a store of a key not just recalled (no side effects)."""
        if self._n["size"] == 0:
            return _Search(key, 0, np.full(self.config.n_actions, -1, dtype=np.int64))
        return self._query(key, mark=False)[1]

    def _recall(self, key: np.ndarray) -> Recall:
        n_actions = self.config.n_actions
        if self._n["size"] == 0:
            self._cache = _Search(key, 0, np.full(n_actions, -1, dtype=np.int64))
            zeros = np.zeros(n_actions, dtype=np.float32)
            return Recall(zeros, np.zeros(n_actions, dtype=np.int64), float("inf"), zeros.copy())
        recall, self._cache = self._query(key, mark=not self.frozen)
        return recall

    # -- internals: writing, replay and forgetting --------------------------------------
    def _append(self, key: np.ndarray, action: int, cell: int) -> int:
        slot = self.size
        self.keys[slot] = key
        self.sqnorms[slot] = kernels.row_sqnorms(key[None])[0]
        self.actions[slot] = action
        self.values[slot] = 0.0
        self.n_returns[slot] = 0
        self.visits[slot] = 0
        self.cell_of[slot] = cell
        self._set("size", slot + 1)
        return slot

    def _push_trajectory(self, slot: int) -> None:
        n = self._n["traj_len"]
        if n == self.config.max_trajectory:
            # no outcome for max_trajectory steps: the older half will never get a value
            half = n // 2
            self.trajectory[: n - half] = self.trajectory[half:n]
            n -= half
            self._set("traj_valued", max(self._n["traj_valued"] - half, 0))
        self.trajectory[n] = slot
        self._set("traj_len", n + 1)

    def _replay(self, outcome: float, steps_ago: int = 0) -> None:
        """Write the discounted outcome into every step since the last outcome, newest first
        (and with returns="life", add it to the returns of the valued steps before them).
        `steps_ago`: the outcome belongs that many steps back (recognised late), so the
        discount counts from there and the steps since get it undiscounted."""
        n, valued = self._n["traj_len"], self._n["traj_valued"]
        if n == 0:
            return
        exponents = np.arange(n - 1, -1, -1)
        if steps_ago:
            exponents = np.maximum(exponents - steps_ago, 0)
        returns = (outcome * self.discount**exponents).astype(np.float32)
        first = max(n - self._reach, 0)  # returns="life": as far back as the outcome reaches
        if first < valued:  # each of these memories' latest return grows by its share
            earlier = self.trajectory[first:valued]
            share = returns[first:valued] / self.n_returns[earlier].astype(np.float32)
            np.add.at(self.values, earlier, share)
        slots, returns = self.trajectory[valued:n], returns[valued:]
        if self.config.update == "max":
            self.values[slots[self.n_returns[slots] == 0]] = -np.inf  # a first return always wins
            np.maximum.at(self.values, slots, returns)
        else:
            uniq, inverse = np.unique(slots, return_inverse=True)
            total = np.bincount(inverse, weights=returns.astype(np.float64))
            count = np.bincount(inverse)
            old_n = self.n_returns[uniq].astype(np.float64)
            mean = (self.values[uniq].astype(np.float64) * old_n + total) / (old_n + count)
            self.values[uniq] = mean.astype(np.float32)
        np.add.at(self.n_returns, slots, 1)
        self.last_used[self.trajectory[:n]] = self._n["clock"]
        self._cache = None
        if self.config.returns == "segment":
            self._end_segment()
            return
        # keep the steps a later outcome still reaches, all of them valued now
        keep = min(n, self._reach)
        self.trajectory[:keep] = self.trajectory[n - keep : n].copy()
        self._set("traj_len", keep)
        self._set("traj_valued", keep)

    def _end_segment(self) -> None:
        """Forget the trajectory: no later outcome reaches its steps."""
        self._set("traj_len", 0)
        self._set("traj_valued", 0)

    def _maintain(self) -> None:
        """Sort in the recent part when it is full, (re)train the cells when due."""
        cfg = self.config
        if self.size - self._n["sorted_end"] >= self._recent_max:
            self._compact()
        if cfg.index != "auto":
            return
        if not self.uses_ivf:
            if self.size >= cfg.ivf_threshold:
                self._train_ivf()
        elif self._n["n_stores"] - self._n["trained_at"] >= self._n["trained_size"]:
            self._train_ivf()

    def _forget(self, n_evict: int) -> None:
        """Drop n_evict memories by the forgetting policy; pending ones only if nothing else."""
        n = self.size
        pending = np.zeros(n, dtype=bool)
        pending[self.trajectory[: self._n["traj_len"]]] = True
        n_evict = min(n_evict, n)
        keep = np.ones(n, dtype=bool)
        if self.config.forgetting == "lru":
            # the first n_evict in the order (pending, last_used, slot), by a partial sort: those
            # below the n_evict-th rank, then the lowest slots at exactly that rank
            rank = np.where(pending, self.last_used[:n] + (1 << 62), self.last_used[:n])
            kth = np.partition(rank, n_evict - 1)[n_evict - 1]
            below = rank < kth
            keep[below] = False
            keep[np.flatnonzero(rank == kth)[: n_evict - int(np.count_nonzero(below))]] = False
        else:
            worth = np.where(self.n_returns[:n] > 0, np.abs(self.values[:n]), -1.0)
            order = np.lexsort((self.last_used[:n], worth, pending))
            keep[order[:n_evict]] = False
        self._compact(keep)

    def _compact(self, keep: np.ndarray | None = None) -> None:
        """Sort the kept memories by (cell, action) into slots [0, kept); renumber trajectory."""
        n, n_actions = self.size, self.config.n_actions
        keep = np.ones(n, dtype=bool) if keep is None else keep
        cells = self.cell_of[:n].astype(np.int64) if self.uses_ivf else 0
        group = cells * n_actions + self.actions[:n]
        n_groups = max(self._n["n_cells"], 1) * n_actions
        # stable: within a (cell, action) the older memory comes first
        new_slot, in_order = kernels.compaction_slots(group, keep, self._n["sorted_end"], n_groups)
        m = int(np.count_nonzero(keep))
        if not in_order:  # the cells were just retrained: gather through the new order
            kept = np.flatnonzero(keep)
            order = np.empty(m, dtype=np.int64)  # the slot each new slot is filled from
            order[new_slot[kept]] = kept
        for name in _PER_MEMORY:
            array = getattr(self, name)
            if in_order:  # the usual case: only the recent part is new, or memories forgotten
                rows = array[:n] if array.ndim == 2 else array[:n, None]  # views, moved in place
                kernels.move_rows(rows, new_slot, self._n["sorted_end"])
            else:
                array[:m] = array[order]
            array[m:n] = 0  # forgotten rows are cleared, so the state does not keep them
        traj = new_slot[self.trajectory[: self._n["traj_len"]]]
        kept = traj >= 0  # steps forgotten because nothing else was left
        self._set("traj_valued", int(np.count_nonzero(kept[: self._n["traj_valued"]])))
        traj = traj[kept]
        self.trajectory[: len(traj)] = traj
        self.trajectory[len(traj) :] = 0
        self._set("traj_len", len(traj))
        self._set("size", m)
        self._set("sorted_end", m)
        self._rebuild_derived()

    # -- internals: the IVF index (regions/ivf.py) ------------------------------------
    def _assign_cells(self, keys: np.ndarray) -> np.ndarray:
        cents = self.centroids[: self._n["n_cells"]]
        return ivf.nearest_cells(keys, cents, self._centroid_sqnorms)

    def _train_ivf(self) -> None:
        """Retrain the cells on the live keys (regions/ivf.py) and re-sort the memories."""
        n_cells, n = self.config.ivf_cells, self.size
        self.centroids[:] = ivf.train_centroids(self.keys[:n], n_cells)
        self._set("n_cells", n_cells)
        self._centroid_sqnorms = kernels.row_sqnorms(self.centroids)
        self.cell_of[:n] = self._assign_cells(self.keys[:n])
        self._set("trained_at", self._n["n_stores"])
        self._set("trained_size", n)
        self._compact()

    def _rebuild_derived(self) -> None:
        """Cell offsets of the sorted part and the kernels' constants, from the state."""
        cfg = self.config
        n_cells, sorted_end = self._n["n_cells"], self._n["sorted_end"]
        # the sorted part is ordered by (cell, action): each cell is one contiguous block
        self._cell_start, self._cell_end = ivf.cell_blocks(
            self.cell_of[:sorted_end], n_cells, sorted_end
        )
        self._probe = min(cfg.ivf_probe, max(n_cells, 1))
        self._centroid_sqnorms = kernels.row_sqnorms(self.centroids[:n_cells])
        self._kernel_averaging = cfg.averaging == "kernel"
        self._kernel_delta = float(cfg.kernel_delta * cfg.key_dim)
        self._radius2 = float(cfg.merge_radius) ** 2
        self._cache: _Search | None = None
