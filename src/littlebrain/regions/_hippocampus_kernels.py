"""Compiled search and recall of the hippocampus (Numba; compiled once, cached on disk).

One call of `recall` does what a step's query needs: pick the IVF cells to probe, compute the
distances of their memories and of the recent ones, keep the k nearest valued memories of each
action, average their values, measure novelty and confidence, find a memory to merge into, and
mark the memories used. NumPy would need about 60 small calls for this; here it is one.

Distances are |m|^2 - 2 m.key (add |key|^2 for the squared distance), in float32 like the keys.
Only these dot products are compiled with reassociation, so that LLVM vectorises them (the
fixed order of regions/_exact.py, which LLVM does not vectorise, made them 3-4x slower, and
recall is most of a step). Their order of sums follows the vector width LLVM picks for the CPU:
the one arithmetic of the brain that another CPU may do differently: an emulated AVX2 target
(Haswell) gave this AVX-512 machine's run bit for bit, an AVX-only one (Sandy Bridge) did not
(results/snake/cpu_drift.json). No "nnan"/"ninf" fast-math flags anywhere: infinity marks
"none" in the per-action lists.
"""

from __future__ import annotations

import numba
import numpy as np

_DOT_MATH = {"reassoc", "contract"}

#: steps over which the running scale of squared novelty averages (1/n before that)
DISTANCE_SCALE_STEPS = 1000.0


@numba.njit(cache=True, fastmath=_DOT_MATH)
def _distances(keys, sqnorms, key, lo, hi, out):  # pragma: no cover - compiled
    """out[i - lo] = |keys[i]|^2 - 2 keys[i].key for i in [lo, hi)."""
    dim = key.shape[0]
    for i in range(lo, hi):
        acc = np.float32(0.0)
        for j in range(dim):
            acc += keys[i, j] * key[j]
        out[i - lo] = sqnorms[i] - np.float32(2.0) * acc


@numba.njit(cache=True, fastmath=_DOT_MATH)
def row_sqnorms(keys):  # pragma: no cover - compiled
    """|keys[i]|^2 of each row, summed as `_distances` sums (so a memory at the query itself is
    at distance 0 to rounding of the squares, not of two orders of sums)."""
    out = np.empty(keys.shape[0], dtype=np.float32)
    for i in range(keys.shape[0]):
        acc = np.float32(0.0)
        for j in range(keys.shape[1]):
            acc += keys[i, j] * keys[i, j]
        out[i] = acc
    return out


@numba.njit(cache=True)
def nearest_centroids(keys, centroids, sqnorms):  # pragma: no cover - compiled
    """The index of the nearest centroid of each key by |c|^2 - 2 c.key (the first of equals),
    with `_distances`' dot products."""
    out = np.empty(keys.shape[0], dtype=np.int32)
    d = np.empty(centroids.shape[0], dtype=np.float32)
    for i in range(keys.shape[0]):
        _distances(centroids, sqnorms, keys[i], 0, centroids.shape[0], d)
        out[i] = np.argmin(d)
    return out


@numba.njit(cache=True)
def _ranges(key, centroids, csq, n_cells, probe, cell_start, cell_end, sorted_end, size):
    """Slot ranges to search and the key's home cell (nearest centroid; 0 when exact).

    Exact search: all of [0, size). IVF: the `probe` nearest cells of the sorted part, nearest
    first (ties: the lower cell first), then the recent part [sorted_end, size).
    """
    if n_cells == 0:
        lo = np.zeros(1, np.int64)
        hi = np.full(1, size, np.int64)
        return lo, hi, 0
    dc = np.empty(n_cells, np.float32)
    _distances(centroids, csq, key, 0, n_cells, dc)
    best = np.zeros(probe, np.int64)
    best_d = np.full(probe, np.inf, np.float32)
    for c in range(n_cells):
        d = dc[c]
        if d < best_d[probe - 1]:
            j = probe - 1
            while j > 0 and best_d[j - 1] > d:
                best_d[j] = best_d[j - 1]
                best[j] = best[j - 1]
                j -= 1
            best_d[j] = d
            best[j] = c
    lo = np.empty(probe + 1, np.int64)
    hi = np.empty(probe + 1, np.int64)
    for p in range(probe):
        lo[p] = cell_start[best[p]]
        hi[p] = cell_end[best[p]]
    lo[probe] = sorted_end
    hi[probe] = size
    return lo, hi, best[0]


@numba.njit(cache=True)
def candidates(
    keys, sqnorms, key, centroids, csq, n_cells, probe, cell_start, cell_end, sorted_end, size,
    out_slots, out_dists,
):  # fmt: skip
    """Every memory the index searches for `key`: fills out_slots / out_dists, returns (n, home).

    out_dists are |m|^2 - 2 m.key; the order is the search order (see `_ranges`).
    """
    lo, hi, home = _ranges(
        key, centroids, csq, n_cells, probe, cell_start, cell_end, sorted_end, size
    )
    n = 0
    for r in range(lo.shape[0]):
        _distances(keys, sqnorms, key, lo[r], hi[r], out_dists[n:])
        for i in range(lo[r], hi[r]):
            out_slots[n] = i
            n += 1
    return n, home


@numba.njit(cache=True)
def recall(
    keys, sqnorms, key, centroids, csq, n_cells, probe, cell_start, cell_end, sorted_end, size,
    actions, values, n_returns, last_used,
    k, kernel, delta, radius2, clock, scale, scratch_d, scratch_s, scratch_k,
    out_values, out_counts, out_confidence, out_merge,
):  # fmt: skip
    """The whole query of one key; returns (squared novelty, home cell, candidates searched).

    Writes per action: the value estimate, the number of valued neighbours averaged, the
    confidence, and the slot of a memory within merge_radius of the key (-1: none). With
    clock >= 0 (a learning recall) the chosen neighbours' last_used becomes clock and the
    running scale of squared novelty (scale = [mean, n]) takes the new novelty; with clock < 0
    (a frozen recall, or the search behind a store) nothing is written but the outputs.

    Neighbours: the k nearest valued memories of each action; all memories at exactly the k-th
    distance count (ties). A memory at (almost) the key's own place gives its value alone.
    """
    n_actions = out_values.shape[0]
    qq = 0.0
    for j in range(key.shape[0]):
        qq += np.float64(key[j]) * np.float64(key[j])
    tol = max(radius2, 1e-5 * qq) - qq  # |m|^2 - 2 m.key <= tol: (almost) at the key
    top = np.full((n_actions, k), np.inf, np.float32)  # k smallest valued distances, sorted
    best_d = np.full(n_actions, np.inf, np.float32)  # nearest valued memory (first on ties)
    best_s = np.full(n_actions, -1, np.int64)
    out_merge[:] = -1
    lo, hi, home = _ranges(
        key, centroids, csq, n_cells, probe, cell_start, cell_end, sorted_end, size
    )
    nearest = np.float32(np.inf)
    n_searched = 0
    n_kept = 0  # memories that were among their action's k nearest when seen
    for r in range(lo.shape[0]):
        a0, a1 = lo[r], hi[r]
        _distances(keys, sqnorms, key, a0, a1, scratch_d)
        n_searched += a1 - a0
        for i in range(a0, a1):
            d = scratch_d[i - a0]
            if d < nearest:
                nearest = d
            a = actions[i]
            if d <= tol and out_merge[a] < 0:
                diff2 = 0.0  # |m - key|^2 exactly, for the merge
                for j in range(key.shape[0]):
                    e = np.float64(keys[i, j]) - np.float64(key[j])
                    diff2 += e * e
                if diff2 <= radius2:
                    out_merge[a] = i
            if n_returns[i] <= 0:
                continue  # waiting for an outcome: counts for novelty and merging only
            if d < best_d[a]:
                best_d[a] = d
                best_s[a] = i
            kth = top[a, k - 1]
            if d <= kth:  # the k-th distance only shrinks: every final neighbour passes here
                scratch_s[n_kept] = i
                scratch_k[n_kept] = d
                n_kept += 1
                if d < kth:
                    j = k - 1
                    while j > 0 and top[a, j - 1] > d:
                        top[a, j] = top[a, j - 1]
                        j -= 1
                    top[a, j] = d
    if n_searched == 0:
        novelty2 = np.inf
    else:
        novelty2 = max(np.float64(nearest) + qq, 0.0)
        if clock >= 0:
            scale[1] += 1.0
            rate = 1.0 / min(scale[1], DISTANCE_SCALE_STEPS)
            scale[0] += (novelty2 - scale[0]) * rate
    s = max(scale[0], 1e-12)
    counts = np.zeros(n_actions, np.int64)
    conf = np.zeros(n_actions, np.float64)
    w_sum = np.zeros(n_actions, np.float64)
    wv_sum = np.zeros(n_actions, np.float64)
    v_sum = np.zeros(n_actions, np.float64)
    for m in range(n_kept):
        i = scratch_s[m]
        d = scratch_k[m]
        a = actions[i]
        if d > top[a, k - 1]:
            continue
        dist2 = max(np.float64(d) + qq, 0.0)
        v = np.float64(values[i])
        counts[a] += 1
        conf[a] = max(conf[a], s / (dist2 + s))
        w = 1.0 / (dist2 + delta)
        w_sum[a] += w
        wv_sum[a] += w * v
        v_sum[a] += v
        if clock >= 0:
            last_used[i] = clock
    for a in range(n_actions):
        if kernel:
            estimate = wv_sum[a] / max(w_sum[a], 1e-30)
        else:
            estimate = v_sum[a] / max(counts[a], 1)
        if best_s[a] >= 0 and best_d[a] <= tol:
            estimate = values[best_s[a]]
        out_values[a] = estimate
        out_counts[a] = counts[a]
        out_confidence[a] = conf[a]
    return novelty2, home, n_searched


@numba.njit(cache=True)
def add_rows(sums, cells, x):  # pragma: no cover - compiled
    """sums[cells[i]] += x[i] for i in order, in float64: NumPy's `np.add.at(sums, cells, x)`
    operation for operation (so the k-means centroids are the same to the bit), without its
    per-element dispatch, which cost 0.19 s per k-means iteration over 8,192 keys of 300."""
    for i in range(x.shape[0]):
        row = sums[cells[i]]
        for j in range(x.shape[1]):
            row[j] += np.float64(x[i, j])


@numba.njit(cache=True)
def compaction_slots(group, keep, sorted_end, n_groups):  # pragma: no cover - compiled
    """New slot of every memory (-1: dropped): the kept ones in a stable sort by group, which a
    counting sort gives in two passes. Within a group the older part [0, sorted_end) comes
    first, then the recent memories, each in slot order, exactly as a stable argsort orders
    them. Also returns whether the kept memories of the older part keep their order (they are
    sorted by group), which lets `move_rows` work in place."""
    n = group.shape[0]
    count_old = np.zeros(n_groups, np.int64)
    count_new = np.zeros(n_groups, np.int64)
    for i in range(n):
        if keep[i]:
            if i < sorted_end:
                count_old[group[i]] += 1
            else:
                count_new[group[i]] += 1
    start = np.empty(n_groups, np.int64)
    total = 0
    for g in range(n_groups):
        start[g] = total
        total += count_old[g] + count_new[g]
    seen_old = np.zeros(n_groups, np.int64)
    seen_new = np.zeros(n_groups, np.int64)
    new_slot = np.full(n, -1, np.int64)
    in_order = True
    last = -1
    for i in range(n):
        if not keep[i]:
            continue
        g = group[i]
        if i < sorted_end:
            new_slot[i] = start[g] + seen_old[g]
            seen_old[g] += 1
            in_order = in_order and new_slot[i] > last
            last = new_slot[i]
        else:
            new_slot[i] = start[g] + count_old[g] + seen_new[g]
            seen_new[g] += 1
    return new_slot, in_order


@numba.njit(cache=True)
def move_rows(rows, new_slot, sorted_end):  # pragma: no cover - compiled
    """rows[new_slot[i]] = rows[i] for every kept row, in place (rows beyond the kept ones are
    left as they were), when the kept rows of [0, sorted_end) keep their order. First the kept
    rows close up in order (each moves down or stays); then, from the last of the older rows
    back to the first, each moves up to its slot, over rows already moved or the recent rows,
    which wait in a small buffer. A gather into a new array would cost a fresh allocation the
    size of the memory and twice the traffic."""
    n, width = rows.shape
    at = np.empty(n, np.int64)  # the new slot of the row now at each position
    m = 0
    n_old = 0
    for i in range(n):
        if new_slot[i] < 0:
            continue
        if m != i:
            for j in range(width):
                rows[m, j] = rows[i, j]
        at[m] = new_slot[i]
        m += 1
        if i < sorted_end:
            n_old += 1
    recent = rows[n_old:m].copy()
    for p in range(n_old - 1, -1, -1):
        q = at[p]
        if q != p:
            for j in range(width):
                rows[q, j] = rows[p, j]
    for r in range(m - n_old):
        q = at[n_old + r]
        for j in range(width):
            rows[q, j] = recent[r, j]
