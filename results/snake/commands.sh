#!/usr/bin/env bash
# The exact commands behind this folder, run from a checkout of commit 8dd9d5f (a git worktree,
# so that later edits in the main tree could not leak into the runs), one BLAS thread, 2 workers.
# Each command resumes where it stopped: finished runs are never redone.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
R="--runs runs/bench/snake --out results/snake"
littlebrain bench snake --methods littlebrain-egocentric random --steps 200000 --seeds 5 --workers 2 $R
littlebrain bench snake --methods no-hippocampus no-striatum no-cortex no-novelty --steps 200000 --seeds 2 --workers 2 $R
littlebrain bench snake --methods ppo-sparse dqn-sparse --steps 200000 --seeds 1 --workers 2 $R
littlebrain bench snake --methods ppo-shaped dqn-shaped --steps 200000 --seeds 1 --workers 2 $R
# queued but not reached in this sitting (resume with the same commands):
littlebrain bench snake --methods littlebrain --steps 200000 --seeds 3 --workers 2 $R
littlebrain bench snake --methods ppo-sparse dqn-sparse ppo-shaped dqn-shaped --steps 200000 --seeds 2 --workers 2 $R
# the report alone:
littlebrain bench snake --report $R
