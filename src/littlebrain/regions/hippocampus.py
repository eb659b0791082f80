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
             Q_m <- max(Q_m, G_i)                              (update="max", MFEC; default)
             Q_m <- mean of all returns written to m           (update="mean", stochastic worlds)
    recall:  Q(s, a) = mean of Q over the k nearest valued memories of action a
             (the value of an identical memory where one exists); novelty = distance to the
             nearest memory of any action

Returns are segment-wise: an outcome is written into the steps since the previous outcome, not
further back, so replay happens inside long episodes, not only at their end (steps before an
earlier outcome keep the returns that outcome gave them). Episode ends:
  * termination: the final feedback (even 0) is replayed; a terminal state is worth 0, so a
    death with no explicit penalty still writes 0 into the last steps;
  * truncation: the final feedback plus gamma * V(final state) is replayed, where V is the
    largest recalled action value at the final key if any is known; if none is known and the
    final feedback is 0, the pending steps stay unvalued (no outcome is invented for them).
Memories waiting for an outcome carry no value; they count for novelty and merging, never for Q.

Capacity and forgetting: at most `capacity` memories. When full, `evict_fraction` of them is
forgotten at once (batching keeps the cost amortised): "lru" drops the least recently used
(recalled as a neighbour, stored, merged or replayed); "least_valuable" drops the smallest |Q|
first (unvalued before valued), least recently used among equals. Memories still waiting for
their outcome are never dropped unless nothing else is left.

Search: exact (one matrix-vector product over all keys) until `ivf_threshold` memories; above it
(index="auto") an inverted-file index written in NumPy: k-means centroids split the key space
into cells, each memory lives in the list of its nearest cell and action, and a query scans the
`ivf_probe` nearest cells only. The centroids are trained on the stored keys (deterministic
init, no random draws) when the threshold is crossed and again each time as many stores as the
memory held at the last training have happened, so the cells follow the agent into new states.

State: every persistent quantity is a NumPy array in `state_names` (keys, values, actions,
times, the trajectory, the centroids and each memory's cell), so `state_dict` round-trips
bit-exactly. The per-(cell, action) slot lists and the free-slot list are derived: they are
rebuilt from those arrays on load, in ascending slot order, which is also the order kept live,
so a resumed run searches exactly like an uninterrupted one.

Reads: a float32 key of size `key_dim` (the cortex code; a dentate-gyrus code also works, set
key_dim to its n_units), the previous action's feedback, and the chosen action (`store`).
Writes: a `Recall` with per-action values, how many valued neighbours back each, and novelty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from littlebrain.errors import ConfigError, ObservationError
from littlebrain.region import Region

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
)
# steps over which the running scale of squared novelty averages
_DISTANCE_SCALE_STEPS = 1000.0
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
)


@dataclass(frozen=True)
class HippocampusConfig:
    key_dim: int = 64
    n_actions: int = 4
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
    discount: float = 0.99
    #: "max" (Q = best return seen, MFEC) or "mean" (Q = average return)
    update: str = "max"
    #: "lru" (least recently used) or "least_valuable" (smallest |Q|, then least recently used)
    forgetting: str = "lru"
    #: share of the capacity forgotten at once when the memory is full
    evict_fraction: float = 0.01
    #: a store within this distance of a memory of the same action merges into it (0: identical)
    merge_radius: float = 0.0
    #: "exact" always, or "auto": exact below ivf_threshold memories, the IVF index above
    index: str = "auto"
    ivf_threshold: int = 20_000
    ivf_cells: int = 256
    ivf_probe: int = 16
    #: steps kept for replay between outcomes; older ones never get a value (gamma^n ~ 0)
    max_trajectory: int = 20_000

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


@dataclass(frozen=True)
class Recall:
    """What the hippocampus says about one key."""

    #: estimated value of each action (0 where `known` is False)
    values: np.ndarray
    #: valued neighbours behind each estimate (0..k): a confidence for arbitration
    counts: np.ndarray
    #: distance to the nearest memory of any action (inf while the memory is empty)
    novelty: float
    #: how close each estimate's memories are, in [0, 1]: the mean over the k neighbours of
    #: s / (d^2 + s), s being the memory's typical squared novelty. Near memories count fully,
    #: far ones hardly at all, so an action tried only elsewhere is not trusted here.
    confidence: np.ndarray

    @property
    def known(self) -> np.ndarray:
        return self.counts > 0


@dataclass
class _Search:
    """One key's candidate memories: flat lists, and per-action padded matrices of the valued."""

    key: np.ndarray
    qq: float  # |key|^2; distances below are |m|^2 - 2 m.key, add qq for the squared distance
    slots: np.ndarray  # candidate slots
    dists: np.ndarray  # their distances
    flat: np.ndarray  # each candidate's place in the padded (n_actions, width) matrices
    width: int
    home: int  # IVF cell of the key (0 when exact)


class Hippocampus(Region):
    """Episodic memory with k-NN recall, reverse replay and bounded capacity (see module doc).

    Memory layout: live memories occupy slots [0, size). Slots [0, sorted_end) are sorted by
    (IVF cell, action), so the memories of one action in one cell are a contiguous block that a
    query reads without gathering; slots [sorted_end, size) hold the memories stored since, in
    order, and are always searched exhaustively. Compaction (when the recent part is full, when
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
        self.centroids = np.zeros((config.ivf_cells, d), dtype=np.float32)
        self.trajectory = np.zeros(config.max_trajectory, dtype=np.int64)
        self.counters = np.zeros(len(_COUNTERS), dtype=np.int64)
        # running mean of the squared novelty (the scale of "near" for the confidence) and the
        # number of recalls behind it: the step is 1/n until it reaches 1/_DISTANCE_SCALE_STEPS
        self.distance_scale = np.zeros(2, dtype=np.float64)
        self._n = dict.fromkeys(_COUNTERS, 0)
        self._n_evict = max(1, int(config.capacity * config.evict_fraction))
        # the recent part is searched exhaustively; it is sorted in when it reaches this size
        self._recent_max = min(config.capacity, max(256, self._n_evict))
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
        return self.trajectory[: self._n["traj_len"]].copy()

    @property
    def uses_ivf(self) -> bool:
        return self._n["n_cells"] > 0

    # -- input checks -------------------------------------------------------------------
    def _check_key(self, key: np.ndarray, what: str = "key") -> np.ndarray:
        key = np.asarray(key)
        if key.shape != (self.config.key_dim,):
            raise ObservationError(
                f"hippocampus {what} has shape {key.shape}, expected ({self.config.key_dim},)"
            )
        if key.dtype.kind not in "biuf":
            raise ObservationError(f"hippocampus {what} has non-numeric dtype {key.dtype}")
        key = key.astype(np.float32)  # a copy: the caller may reuse its buffer
        if not np.all(np.isfinite(key)):
            raise ObservationError(f"hippocampus {what} contains NaN or infinite values")
        return key

    def _check_action(self, action: int) -> int:
        if isinstance(action, bool) or not isinstance(action, int | np.integer):
            raise ObservationError(f"action must be an integer, got {action!r}")
        if not 0 <= action < self.config.n_actions:
            raise ObservationError(f"action {action} outside [0, {self.config.n_actions})")
        return int(action)

    @staticmethod
    def _check_feedback(feedback: float) -> float:
        try:
            value = float(feedback)
        except (TypeError, ValueError):
            raise ObservationError(f"feedback must be a number, got {feedback!r}") from None
        if not np.isfinite(value):
            raise ObservationError(f"feedback must be finite, got {value}")
        return value

    # -- the step API -------------------------------------------------------------------
    def step(self, key: np.ndarray, feedback: float = 0.0) -> Recall:
        """Replay `feedback` (the outcome of the previous action) if non-zero, then recall `key`."""
        key = self._check_key(key)
        feedback = self._check_feedback(feedback)
        if not self.frozen:
            self._n["clock"] += 1  # one step per environment step: the clock ticks here
            if feedback != 0.0:
                self._replay(feedback)
        return self._recall(key)

    def recall(self, key: np.ndarray) -> Recall:
        """Per-action values and novelty of `key`, without delivering feedback."""
        return self._recall(self._check_key(key))

    def store(self, key: np.ndarray, action: int) -> int:
        """Remember (key, action) as the latest step of the trajectory; returns its slot."""
        cache, self._cache = self._cache, None
        if cache is not None and np.array_equal(cache.key, key):
            search = cache  # the key just recalled: already checked and searched
        else:
            search = self._search(self._check_key(key))
        action = self._check_action(action)
        if self.frozen:
            return -1
        slot = self._merge_target(search, action)
        if slot < 0:
            if self._n["size"] >= self.config.capacity:
                self._forget(self._n_evict)  # renumbers slots; the search's cell stays valid
            slot = self._append(search.key, action, search.home)
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
        feedback = self._check_feedback(feedback)
        if final_key is not None:
            final_key = self._check_key(final_key, "final key")
        if self.frozen or self._n["traj_len"] == 0:
            return
        if terminated:
            self._replay(feedback)
            return
        bootstrap = 0.0
        known_future = False
        if final_key is not None:
            recall = self._recall(final_key)
            if recall.known.any():
                bootstrap = self.config.discount * float(recall.values[recall.known].max())
                known_future = True
        if feedback != 0.0 or known_future:
            self._replay(feedback + bootstrap)
        else:
            self._set("traj_len", 0)  # no outcome to write: the steps stay unvalued

    def reset_episode(self) -> None:
        """Start a new episode; a trajectory still waiting (no `conclude`) stays unvalued."""
        self._set("traj_len", 0)
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
        d2 = np.einsum("ij,ij->i", keys, keys) - 2.0 * (keys @ cue) + cue @ cue
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
        search = self._search(self._check_key(key))
        n_actions, width = self.config.n_actions, max(search.width, k)
        d2 = np.full((n_actions, width), np.inf, dtype=np.float32)
        slots = np.full((n_actions, width), -1, dtype=np.int64)
        flat = search.flat // search.width * width + search.flat % search.width
        d2.ravel()[flat] = search.dists + search.qq
        slots.ravel()[flat] = search.slots
        order = np.argsort(d2, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(slots, order, axis=1), np.sqrt(
            np.maximum(np.take_along_axis(d2, order, axis=1), 0.0)
        )

    def sample_valued(
        self, n: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Up to n memories that hold a value, drawn at random: (keys, actions, values).

        This is the replay that consolidates episodes into the striatum. It draws 2n slots
        uniformly and keeps the valued ones, which is cheap and uniform over valued memories;
        it does not count as a use (consolidation must not keep a memory from being forgotten).
        """
        if self.size == 0 or n <= 0:
            return (
                np.zeros((0, self.config.key_dim), np.float32),
                np.zeros(0, np.int32),
                np.zeros(0, np.float32),
            )
        slots = rng.integers(self.size, size=2 * n)
        slots = slots[self.n_returns[slots] > 0][:n]
        return self.keys[slots], self.actions[slots], self.values[slots]

    # -- bulk load ----------------------------------------------------------------------
    def load_memories(self, keys: np.ndarray, actions: np.ndarray, values: np.ndarray) -> None:
        """Write already-valued memories in bulk (no merging, no trajectory).

        For seeding a memory (benchmarks, consolidation experiments); they must fit.
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
        start = self.size
        if start + n > self.config.capacity:
            raise ObservationError(
                f"{n} memories do not fit: {start} of {self.config.capacity} are in use"
            )
        new = slice(start, start + n)
        self.keys[new] = keys
        self.sqnorms[new] = np.einsum("ij,ij->i", self.keys[new], self.keys[new])
        self.actions[new] = actions
        self.values[new] = values
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
        self.counters[:] = [self._n[name] for name in _COUNTERS]
        return super().state_dict()

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        super().load_state_dict(state)
        self._n = {name: int(self.counters[i]) for i, name in enumerate(_COUNTERS)}
        self._rebuild_derived()

    # -- internals: search --------------------------------------------------------------
    def _search(self, key: np.ndarray) -> _Search:
        """All candidate memories of a key, and where each goes in per-action matrices.

        The sorted part is read block by block (the probed cells, or all of it when exact); the
        recent part is read whole. In the padded (n_actions, width) matrices a candidate goes
        to row = its action, at a column given by its rank among that action's candidates.
        """
        qq = float(key @ key)
        sorted_end, size = self._n["sorted_end"], self._n["size"]
        keys, sqnorms = self.keys, self.sqnorms
        if self._n["n_cells"]:
            dc = self._centroid_sqnorms - 2.0 * (self.centroids[: self._n["n_cells"]] @ key)
            cells = np.argpartition(dc, self._probe - 1)[: self._probe]
            home = int(cells[np.argmin(dc[cells])])
            counts = self._cell_counts[cells]  # (probe, A): a block per (cell, action)
            spans = list(
                zip(self._cell_start[cells].tolist(), self._cell_end[cells].tolist(), strict=True)
            )
            parts = [keys[a:b] @ key for a, b in spans]
            parts.append(keys[sorted_end:size] @ key)
            rows = np.concatenate([self._arange[a:b] for a, b in spans])
            slots = np.concatenate([rows, self._arange[sorted_end:size]])
            dists = sqnorms[slots] - 2.0 * np.concatenate(parts)
        else:
            home = 0
            counts = self._cell_counts  # (1, A)
            slots = self._arange[:size]
            dists = sqnorms[:size] - 2.0 * (keys[:size] @ key)
        n_sorted = len(slots) - (size - sorted_end)
        recent_actions = self.actions[sorted_end:size]
        per_action = counts.sum(axis=0)
        width = max(int((per_action + self._recent_count).max()), 1)
        flat_counts = counts.ravel()
        # sorted candidates: flat = candidate index + (row * width + first column of its block
        # - first candidate of its block), one shift per (cell, action) block
        column = np.cumsum(counts, axis=0) - counts
        shift = (
            self._row_start(width)
            + column
            - (np.cumsum(flat_counts) - flat_counts).reshape(counts.shape)
        )
        flat = np.concatenate(
            [
                self._arange[:n_sorted] + np.repeat(shift.ravel(), flat_counts),
                recent_actions * width + per_action[recent_actions] + self._rank[sorted_end:size],
            ]
        )
        return _Search(key, qq, slots, dists, flat, width, home)

    def _row_start(self, width: int) -> np.ndarray:
        return self._arange_a * width

    def _recall(self, key: np.ndarray) -> Recall:
        search = self._cache = self._search(key)
        n_actions, k = self.config.n_actions, self.config.k_neighbours
        if self._n["size"] == 0:
            zeros = np.zeros(n_actions, dtype=np.float32)
            return Recall(zeros, np.zeros(n_actions, dtype=np.int64), float("inf"), zeros.copy())
        novelty2 = max(float(search.dists.min()) + search.qq, 0.0)
        novelty = float(np.sqrt(novelty2))
        if not self.frozen:
            self.distance_scale[1] += 1.0
            rate = 1.0 / min(self.distance_scale[1], _DISTANCE_SCALE_STEPS)
            self.distance_scale[0] += (novelty2 - self.distance_scale[0]) * rate
        # padded per-action matrices of the valued candidates (waiting memories are left out)
        valued = self.n_returns[search.slots] > 0
        d2 = np.full((n_actions, search.width), np.inf, dtype=np.float32)
        d2.ravel()[search.flat] = np.where(valued, search.dists, np.inf)
        vals = np.zeros((n_actions, search.width), dtype=np.float32)
        vals.ravel()[search.flat] = self.values[search.slots]
        if search.width > k:
            kth = np.partition(d2, k - 1, axis=1)[:, k - 1 : k]
            chosen = (d2 <= kth) & (d2 < np.inf)  # ties at the k-th distance all count
        else:
            chosen = d2 < np.inf
        counts = chosen.sum(axis=1)
        dist2 = np.maximum(np.where(chosen, d2, 0.0) + search.qq, 0.0)
        scale = max(float(self.distance_scale[0]), 1e-12)
        confidence = np.where(chosen, scale / (dist2 + scale), 0.0).sum(axis=1) / k
        if self.config.averaging == "kernel":
            delta = self.config.kernel_delta * self.config.key_dim
            weights = np.where(chosen, 1.0 / (dist2 + delta), 0.0)
            estimate = (weights * vals).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-30)
        else:
            estimate = (chosen * vals).sum(axis=1) / np.maximum(counts, 1)
        # an (almost) identical memory gives its own value, as in MFEC
        nearest = np.argmin(d2, axis=1)
        rows = self._arange_a
        tol = max(self.config.merge_radius**2, 1e-5 * search.qq) - search.qq
        estimate = np.where(d2[rows, nearest] <= tol, vals[rows, nearest], estimate)
        if not self.frozen:
            self.last_used[search.slots[chosen.ravel()[search.flat]]] = self._n["clock"]
        return Recall(estimate.astype(np.float32), counts, novelty, confidence)

    def _merge_target(self, search: _Search, action: int) -> int:
        """Slot of a memory of `action` within merge_radius of the key, or -1."""
        radius2 = self.config.merge_radius**2
        # |m|^2 - 2 m.key carries rounding error: look a little wider, then check exactly
        close = np.flatnonzero(search.dists <= max(radius2, 1e-5 * search.qq) - search.qq)
        for slot in search.slots[close].tolist():
            if self.actions[slot] != action:
                continue
            diff = self.keys[slot] - search.key
            if float(diff @ diff) <= radius2:
                return slot
        return -1

    # -- internals: writing, replay and forgetting --------------------------------------
    def _append(self, key: np.ndarray, action: int, cell: int) -> int:
        slot = self.size
        self.keys[slot] = key
        self.sqnorms[slot] = key @ key
        self.actions[slot] = action
        self.values[slot] = 0.0
        self.n_returns[slot] = 0
        self.visits[slot] = 0
        self.cell_of[slot] = cell
        self._rank[slot] = self._recent_count[action]
        self._recent_count[action] += 1
        self._set("size", slot + 1)
        return slot

    def _push_trajectory(self, slot: int) -> None:
        n = self._n["traj_len"]
        if n == self.config.max_trajectory:
            # no outcome for max_trajectory steps: the older half will never get a value
            half = n // 2
            self.trajectory[: n - half] = self.trajectory[half:n]
            n -= half
        self.trajectory[n] = slot
        self._set("traj_len", n + 1)

    def _replay(self, outcome: float) -> None:
        """Write the discounted outcome into every step since the last outcome, newest first."""
        n = self._n["traj_len"]
        if n == 0:
            return
        slots = self.trajectory[:n]
        returns = (outcome * self.config.discount ** np.arange(n - 1, -1, -1)).astype(np.float32)
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
        self.last_used[slots] = self._n["clock"]
        self._set("traj_len", 0)
        self._cache = None

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
        if self.config.forgetting == "lru":
            order = np.lexsort((self.last_used[:n], pending))
        else:
            worth = np.where(self.n_returns[:n] > 0, np.abs(self.values[:n]), -1.0)
            order = np.lexsort((self.last_used[:n], worth, pending))
        keep = np.ones(n, dtype=bool)
        keep[order[:n_evict]] = False
        self._compact(keep)

    def _compact(self, keep: np.ndarray | None = None) -> None:
        """Sort the kept memories by (cell, action) into slots [0, kept); renumber trajectory."""
        n = self.size
        kept = np.arange(n) if keep is None else np.flatnonzero(keep)
        cells = self.cell_of[kept].astype(np.int64) if self.uses_ivf else 0
        group = cells * self.config.n_actions + self.actions[kept]
        order = kept[np.argsort(group, kind="stable")]  # stable: the older memory comes first
        m = len(order)
        for name in _PER_MEMORY:
            array = getattr(self, name)
            array[:m] = array[order]
            array[m:n] = 0  # forgotten rows are cleared, so the state does not keep them
        new_slot = np.full(n, -1, dtype=np.int64)
        new_slot[order] = np.arange(m)
        traj = new_slot[self.trajectory[: self._n["traj_len"]]]
        traj = traj[traj >= 0]  # pending steps forgotten because nothing else was left
        self.trajectory[: len(traj)] = traj
        self.trajectory[len(traj) :] = 0
        self._set("traj_len", len(traj))
        self._set("size", m)
        self._set("sorted_end", m)
        self._rebuild_derived()

    # -- internals: the IVF index ------------------------------------------------------
    def _assign_cells(self, keys: np.ndarray) -> np.ndarray:
        out = np.empty(len(keys), dtype=np.int32)
        cents, csq = self.centroids[: self._n["n_cells"]], self._centroid_sqnorms
        for start in range(0, len(keys), 16_384):  # chunks bound the distance matrix's memory
            block = keys[start : start + 16_384]
            out[start : start + len(block)] = np.argmin(csq - 2.0 * (block @ cents.T), axis=1)
        return out

    def _train_ivf(self, n_iter: int = 8) -> None:
        """k-means on an evenly spaced sample of the live keys (deterministic: no random draws)."""
        n_cells, n = self.config.ivf_cells, self.size
        sample = np.linspace(0, n - 1, min(n, 32 * n_cells)).astype(np.int64)
        x = self.keys[sample]
        cents = x[np.linspace(0, len(x) - 1, n_cells).astype(np.int64)].copy()
        for _ in range(n_iter):
            csq = np.einsum("ij,ij->i", cents, cents)
            assign = np.argmin(csq[None, :] - 2.0 * (x @ cents.T), axis=1)
            counts = np.bincount(assign, minlength=n_cells)
            sums = np.zeros((n_cells, x.shape[1]), dtype=np.float64)
            np.add.at(sums, assign, x)
            filled = counts > 0  # an empty cell keeps its centroid
            cents[filled] = (sums[filled] / counts[filled, None]).astype(np.float32)
        self.centroids[:] = cents
        self._set("n_cells", n_cells)
        self._centroid_sqnorms = np.einsum("ij,ij->i", self.centroids, self.centroids)
        self.cell_of[:n] = self._assign_cells(self.keys[:n])
        self._set("trained_at", self._n["n_stores"])
        self._set("trained_size", n)
        self._compact()

    def _rebuild_derived(self) -> None:
        """Block offsets of the sorted part and ranks of the recent part, from the state."""
        cfg = self.config
        n_actions, sorted_end, size = cfg.n_actions, self._n["sorted_end"], self.size
        n_groups = max(self._n["n_cells"], 1) * n_actions
        cells = self.cell_of[:sorted_end].astype(np.int64) if self.uses_ivf else 0
        group = cells * n_actions + self.actions[:sorted_end]
        offsets = np.searchsorted(group, np.arange(n_groups + 1))
        self._cell_counts = np.diff(offsets).reshape(-1, n_actions)  # (cells, actions)
        self._cell_start = offsets[:-1:n_actions]
        self._cell_end = offsets[n_actions::n_actions]
        self._probe = min(cfg.ivf_probe, max(self._n["n_cells"], 1))
        # rank of each recent memory among the recent memories of its action
        self._rank = np.zeros(cfg.capacity, dtype=np.int64)
        self._recent_count = np.zeros(n_actions, dtype=np.int64)
        for slot in range(sorted_end, size):
            action = self.actions[slot]
            self._rank[slot] = self._recent_count[action]
            self._recent_count[action] += 1
        self._centroid_sqnorms = np.einsum(
            "ij,ij->i",
            self.centroids[: self._n["n_cells"]],
            self.centroids[: self._n["n_cells"]],
        )
        self._arange = np.arange(cfg.capacity)
        self._arange_a = np.arange(n_actions)
        self._arange_a1 = np.arange(n_actions + 1)
        self._cache: _Search | None = None
