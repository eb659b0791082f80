#!/usr/bin/env bash
# The exact commands behind this folder. littlebrain runs: commits a8ff316 (seeds run before a
# restart) and 6add2b5 (the rest); the brain's code is identical in both. Baselines: 6add2b5.
# Run from git worktrees at those commits, one BLAS thread, 2 workers on the 2-core machine.
# Each command resumes where it stopped: finished runs are never redone.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
R="--runs runs/bench/dishpong --out results/dishpong"
littlebrain bench dishpong --methods littlebrain-stimulus littlebrain-silent littlebrain-no_feedback littlebrain-rest littlebrain-no-predictor random --seeds 10 --workers 2 $R
littlebrain bench dishpong --methods dqn-reward a2c-reward ppo-reward --seeds 5 --workers 2 $R
# session 5, commit c9d6ebd: littlebrain's five conditions again with the new defaults (session
# 3's littlebrain runs moved out of runs/bench/dishpong first)
littlebrain bench dishpong --methods littlebrain-stimulus littlebrain-silent littlebrain-no_feedback littlebrain-rest littlebrain-no-predictor --seeds 10 --workers 2 $R
# session 6, commit c9f9b1f: littlebrain's five conditions with the new exploration (session 5's
# runs moved to runs/archive-s5/dishpong; every result but the CPU seconds came out the same)
littlebrain bench dishpong --methods littlebrain-stimulus littlebrain-silent littlebrain-no_feedback littlebrain-rest littlebrain-no-predictor --seeds 10 --workers 2 $R
# session 7, commit fa42a73 (episodic values: the mean return; a rally cut by the session's end
# counts): every run again, session 6's moved to runs/archive-s6/dishpong
littlebrain bench dishpong --methods littlebrain-stimulus littlebrain-silent littlebrain-no_feedback littlebrain-rest littlebrain-no-predictor random --seeds 10 --workers 2 $R
littlebrain bench dishpong --methods dqn-reward a2c-reward ppo-reward --seeds 5 --workers 2 $R
# session 7, commit 61b583e (the same brain): the hippocampus ablation
littlebrain bench dishpong --methods littlebrain-no-hippocampus --seeds 10 --workers 1 $R
# session 8, commit 6f01f49 (discount 0.97): littlebrain's conditions and ablations again (a fresh
# checkout: runs/bench/dishpong restored from raw/ for the random policy and the SB3 baselines,
# whose code did not change)
littlebrain bench dishpong --methods littlebrain-stimulus littlebrain-silent littlebrain-no_feedback littlebrain-rest littlebrain-no-predictor littlebrain-no-hippocampus --seeds 10 --workers 2 $R
# the report alone:
littlebrain bench dishpong --report $R
# session 9, commit d42c0f5 (the runs record 2451c6c-dirty, the same code before its commit):
# littlebrain's conditions and the random policy with the new defaults and random streams;
# runs/bench/dishpong restored from raw/ for the SB3 baselines (their code and seeding unchanged)
littlebrain bench dishpong --seeds 10 --workers 2 $R
# sessions 11-12, commit c4d9695 (the runs record c4d9695-dirty: the PPO fix and new tests; the
# brain's code is c4d9695's): the three settings. The old single-setting runs were moved away
# first; DQN and A2C (session 8, 6f01f49) were restored from raw/ into
# runs/bench/dishpong/paddle-50ms/<method>/seedN/result.json with their setting added.
littlebrain bench dishpong --settings field-20ms field-50ms --seeds 10 --workers 2 $R
littlebrain bench dishpong --settings paddle-50ms --methods littlebrain-stimulus littlebrain-silent littlebrain-no_feedback littlebrain-rest random tracking --seeds 10 --workers 2 $R
littlebrain bench dishpong --settings paddle-50ms --methods ppo-reward --seeds 5 --workers 1 $R
# session 13: the report again from raw/ (runs/bench/dishpong restored from results/dishpong/raw)
littlebrain bench dishpong --report $R
# session 20, commit fa4a6f9: every littlebrain, random and tracking row rerun (10 seeds, every
# setting, the default methods, which now include motor-memory and proprioception in paddle-50ms),
# then the SB3 rows (paddle-50ms, 5 seeds) restored from raw/ into the same folder
littlebrain bench dishpong --seeds 10 --workers 1 --runs runs/dishpong-table-s20
littlebrain bench dishpong --report --runs runs/dishpong-table-s20 --out results/dishpong
