#!/usr/bin/env bash
# The exact commands behind this folder, each run from a git worktree at the commit named
# (PYTHONPATH=<worktree>/src), one BLAS thread, 2 workers on the 2-core machine. Each command
# resumes where it stopped: finished runs are never redone.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
R="--runs runs/bench/snake --out results/snake"
# session 1, commit 8dd9d5f (random policy, board-view baselines) and 69b8029 (egocentric SB3)
littlebrain bench snake --methods random --steps 200000 --seeds 5 --workers 2 $R
littlebrain bench snake --methods ppo-sparse dqn-sparse ppo-shaped dqn-shaped --steps 200000 --seeds 1 --workers 2 $R
littlebrain bench snake --methods dqn-sparse-egocentric ppo-sparse-egocentric --steps 200000 --seeds 1 --workers 2 $R
# session 2, commit 6add2b5
littlebrain bench snake --methods littlebrain-egocentric --seeds 5 --workers 2 $R
littlebrain bench snake --methods no-hippocampus no-striatum with-cortex no-novelty no-predictor --seeds 2 --workers 2 $R
littlebrain bench snake --methods dqn-shaped-egocentric ppo-shaped-egocentric --seeds 1 --workers 2 $R
# session 4, commit 0eddcef (baselines and world as at 6add2b5; only the worker pool was refactored): seeds 1 and 2
littlebrain bench snake --methods dqn-sparse-egocentric ppo-sparse-egocentric dqn-shaped-egocentric ppo-shaped-egocentric --seeds 3 --workers 2 $R
# session 5, commit 9efdf90 (baselines' code as at 6add2b5): the 2M-step baselines, seed 0 first
littlebrain bench snake --methods dqn-sparse-egocentric ppo-sparse-egocentric dqn-shaped-egocentric ppo-shaped-egocentric --steps 2000000 --seeds 1 --workers 1 $R
# session 5, commit c9d6ebd (the default brain's new exploration, code readout and search; the
# runs of session 2's brain were moved out of runs/bench/snake to make room)
littlebrain bench snake --methods littlebrain-egocentric --steps 200000 --seeds 5 --workers 2 $R
littlebrain bench snake --methods no-hippocampus no-striatum with-cortex no-novelty no-predictor --steps 200000 --seeds 2 --workers 2 $R
littlebrain bench snake --methods littlebrain --steps 200000 --seeds 5 --workers 2 $R
# session 5, commit c9d6ebd (baselines' code unchanged): the rest of seed 0 at 2M steps (PPO sparse
# finished in the session; the shaped runs were still to come)
littlebrain bench snake --methods ppo-sparse-egocentric dqn-shaped-egocentric ppo-shaped-egocentric --steps 2000000 --seeds 1 --workers 1 $R
# session 6, commit c9f9b1f (exploration among the actions valued within 0.5 of the best; the
# runs of session 5's brain were moved out of runs/bench/snake to runs/archive-s5/snake)
littlebrain bench snake --methods littlebrain-egocentric --steps 200000 --seeds 5 --workers 2 $R
littlebrain bench snake --methods no-hippocampus no-striatum with-cortex no-novelty no-predictor --steps 200000 --seeds 2 --workers 2 $R
littlebrain bench snake --methods littlebrain --steps 200000 --seeds 5 --workers 2 $R
# session 6, worktree at c9d6ebd (baselines' code unchanged since 6add2b5): the 2M-step
# baselines, seeds 0-2 (resumes at run granularity; runs still missing are listed in README)
littlebrain bench snake --methods dqn-sparse-egocentric ppo-sparse-egocentric dqn-shaped-egocentric ppo-shaped-egocentric --steps 2000000 --seeds 3 --workers 2 $R
# session 7, commit fa42a73 (episodic values: the mean return, not the best; the runs of
# session 6's brain were moved out of runs/bench/snake to runs/archive-s6/snake)
littlebrain bench snake --methods littlebrain-egocentric --steps 200000 --seeds 5 --workers 2 $R
littlebrain bench snake --methods no-hippocampus no-striatum with-cortex no-novelty no-predictor --steps 200000 --seeds 2 --workers 2 $R
littlebrain bench snake --methods littlebrain --steps 200000 --seeds 5 --workers 2 $R
# session 7, worktree at c9d6ebd again: the 2M-step suite resumed (PPO sparse seeds 1-2 and DQN
# shaped seeds 0-1 finished; an interrupted run starts over)
littlebrain bench snake --methods dqn-sparse-egocentric ppo-sparse-egocentric dqn-shaped-egocentric ppo-shaped-egocentric --steps 2000000 --seeds 3 --workers 2 $R
# session 8: a fresh checkout has no runs/; runs/bench/snake was restored from raw/ (each run's
# summary.json and metrics.csv), so finished runs are skipped. The 2M-step suite resumed at
# 8bf79c8 (baselines' code as at c9d6ebd): DQN shaped seed 2, PPO shaped seeds 0-2
littlebrain bench snake --methods dqn-shaped-egocentric ppo-shaped-egocentric --steps 2000000 --seeds 3 --workers 2 $R
# session 8, commit 6f01f49 (discount 0.97; session 7's littlebrain runs moved out of
# runs/bench/snake to runs/archive-s7/snake): the brain, its ablations (3 seeds for the
# hippocampus and the striatum, 2 for the rest) and the board view (3 seeds)
littlebrain bench snake --methods littlebrain-egocentric --steps 200000 --seeds 5 --workers 2 $R
littlebrain bench snake --methods no-hippocampus no-striatum --steps 200000 --seeds 3 --workers 2 $R
littlebrain bench snake --methods no-novelty no-predictor with-cortex --steps 200000 --seeds 2 --workers 2 $R
littlebrain bench snake --methods littlebrain --steps 200000 --seeds 3 --workers 2 $R
# the report alone:
littlebrain bench snake --report $R
# session 9, commit d42c0f5 (the new defaults; run folders of the SB3 rows restored from raw/).
# The egocentric rows: five `littlebrain run` runs with the same settings written out
# (runs/dev/life-optimism.toml: [brain_config.hippocampus] returns = "life",
# [brain_config.neuromodulators] optimism = 1.0), moved to runs/bench/snake/littlebrain-egocentric-200000/
for s in 0 1 2 3 4; do littlebrain run snake --env-arg view=egocentric --config life-optimism.toml --seed $s --out runs/bench/snake/littlebrain-egocentric-200000/seed$s --quiet; done
littlebrain bench snake --methods littlebrain-egocentric no-hippocampus no-striatum --seeds 3 --workers 2 $R
littlebrain bench snake --methods with-cortex no-novelty no-predictor --seeds 2 --workers 2 $R
littlebrain bench snake --methods littlebrain random --seeds 3 --workers 2 $R
littlebrain bench snake --methods random --seeds 5 --workers 2 $R
# session 10 (commit 8846afe): the headline row, 10 seeds, after session 9's five were moved aside
mv runs/bench/snake/littlebrain-egocentric-200000 runs/bench/snake-session9/
littlebrain bench snake --methods littlebrain-egocentric --seeds 10 --steps 200000 --workers 2
littlebrain bench snake --methods littlebrain-egocentric --seeds 2 --steps 1000000 --workers 2 --out /tmp/snake1m-report
littlebrain bench snake --report --runs runs/bench/snake --out results/snake
# probes of the decline past 200k (runs/dev/s10; 600k steps, seeds 0-1)
#   cap400k.toml:  [brain_config.hippocampus] capacity = 400000
#   leastval.toml: [brain_config.hippocampus] forgetting = "least_valuable"
for arm in cap400k leastval; do for s in 0 1; do littlebrain run snake --env-arg view=egocentric --steps 600000 --seed $s --config runs/dev/s10/$arm.toml --quiet --checkpoint-every 600000 --out runs/dev/s10/$arm-seed$s; done; done
# session 20 (commits c9d17fa / 9a2204c: the self-centring region; the head-centred view's brain
# is the same with or without it, since no channel alone is moved by its actions): the board
# view and the head-centred view with today's brain, and the board view without the region
littlebrain bench snake --methods littlebrain --seeds 5 --workers 1 --runs runs-board
littlebrain bench snake --methods littlebrain-egocentric --seeds 10 --workers 1 --runs runs-ego
littlebrain bench snake --methods no-self-centring --seeds 5 --workers 1 --runs runs-ablation
# the table: the rows above replace littlebrain-200000, littlebrain-egocentric-200000; every other
# row restored from raw/ (summary.json and metrics.csv) into one folder, then
littlebrain bench snake --report --runs runs/snake-session20 --out results/snake
# session 21: how the default brain dies late in a run (commit ada8e59's brain), a frozen
# evaluation of seed 0 at 200k, and the open-space probe (open_space_session21/open_space.patch
# applied at ada8e59; 10 head-centred and 5 board seeds, 200k steps)
python results/snake/death_probe.py 1 200000 150000
littlebrain run snake --env-arg view=egocentric --steps 200000 --seed 0 --quiet --checkpoint-every 200000 --out runs/s21/ego0
littlebrain eval runs/s21/ego0 --episodes 100 --step-budget 300000
littlebrain bench snake --methods littlebrain-egocentric --seeds 10 --workers 2 --runs runs-ego   # with the patch
littlebrain bench snake --methods littlebrain --seeds 5 --workers 2 --runs runs-board2           # with the patch
# the table's report again, now with the measured references read from ../shared/anchors/snake
littlebrain bench snake --report --runs runs/snake-session20 --out results/snake
# session 21, commit a4aac76: today's brain to 1M steps, 2 seeds; the table's 1M row replaced
littlebrain bench snake --methods littlebrain-egocentric --steps 1000000 --seeds 2 --workers 2 --runs runs/snake-1m-s21
littlebrain bench snake --report --runs runs/snake-session21 --out results/snake
# session 22 (results/snake/growth_session22.md): frozen probes of the 200k and 1M checkpoints
# (modes: both striatum hippocampus episodic=0.9/0.75/0.5 habit=0.5/0.25 recall-mean recall-k=32
# striatum-precision=20000; EXACT=1 and MAX_AGE=150000/30000 with "both"; growth_session22.md)
for s in 0 1; do for m in both striatum hippocampus episodic=0.5 habit=0.5; do
  python results/snake/value_systems_probe.py runs/snake-session20/littlebrain-egocentric-200000/seed$s 200000 $m 100
  python results/snake/value_systems_probe.py runs/snake-1m-s21/littlebrain-egocentric-1000000/seed$s 1000000 $m 100
done; done
# the two arbitration probes, from worktrees of branches reliability (21099b7) and reliability-mc (e9b38c9)
PYTHONPATH=<worktree>/src littlebrain bench snake --methods littlebrain-egocentric --steps 1000000 --seeds 2 --workers 2 --runs runs/s22-rel     # stopped at 265k
PYTHONPATH=<worktree>/src littlebrain bench snake --methods littlebrain-egocentric --steps 1000000 --seeds 2 --workers 2 --runs runs/s22-relmc   # stopped at 600k
# issue 21's CNN rows at 2M steps x 3 seeds (resumable; started in session 22 at 530f002, in progress:
# rerun the same command to continue from each run's last 100k-step checkpoint)
OMP_NUM_THREADS=1 littlebrain bench snake --methods ppo-cnn-sparse-egocentric dqn-cnn-sparse-egocentric --seeds 3 --steps 2000000 --workers 2 --runs runs/snake-cnn-2m
# session 22, commit 27ccc19: the CNN PPO row at 200k (3 seeds), copied into the table's runs folder
OMP_NUM_THREADS=1 littlebrain bench snake --methods ppo-cnn-sparse-egocentric --seeds 3 --steps 200000 --workers 2 --runs runs/snake-cnn-200k
cp -r runs/snake-cnn-200k/ppo-cnn-sparse-egocentric-200000 runs/snake-session21/
littlebrain bench snake --report --runs runs/snake-session21 --out results/snake
# session 23, commit 01a61b6 (growth_session23.md): the default brain's seed 1 to 1M again with
# every 200k checkpoint kept (bit-identical to the committed run), each checkpoint played frozen;
# then the striatum whose plasticity falls with use (growth_session23/stable_visits.patch applied)
echo 'keep_checkpoints = 10' > keep.toml
littlebrain run snake --env-arg view=egocentric --steps 1000000 --seed 1 --quiet --checkpoint-every 200000 --config keep.toml --out runs/s23/ego1
for st in 200000 400000 600000 800000 1000000; do for m in both striatum advantage; do
  python results/snake/value_systems_probe.py runs/s23/ego1 $st $m 100; done; done   # state-weights at 400k
printf 'keep_checkpoints = 10\n[brain_config.striatum]\nstable_visits = 20000.0\n' > stable20k.toml
for s in 0 1; do littlebrain run snake --env-arg view=egocentric --steps 1000000 --seed $s --quiet --checkpoint-every 200000 --config stable20k.toml --out runs/s23/stable20k-seed$s; done   # seed 1 stopped at 418k
# session 23: the CNN PPO 2M runs started again from scratch (session 22's run folders did not
# survive the fresh checkout); seeds 0 and 1 at 01a61b6, seed 2 stopped at 330k for the CPU
OMP_NUM_THREADS=1 littlebrain bench snake --methods ppo-cnn-sparse-egocentric --seeds 2 --steps 2000000 --workers 2 --runs runs/snake-cnn-2m
printf 'keep_checkpoints = 10\n[brain_config]\nablate = ["novelty"]\n' > no-novelty.toml
littlebrain run snake --env-arg view=egocentric --steps 1000000 --seed 0 --quiet --checkpoint-every 200000 --config no-novelty.toml --out runs/s23/no-novelty-seed0
# session 23: the table again, every earlier row restored from raw/ (summary.json and
# metrics.csv) into runs/snake-table/<method>-<budget>/seed<N>/, plus the two finished CNN PPO
# 2M runs (their checkpoints left out); the hand-written section re-appended after it
cp -r runs/snake-cnn-2m/ppo-cnn-sparse-egocentric-2000000 runs/snake-table/
littlebrain bench snake --report --runs runs/snake-table --out results/snake
# session 24, commit 72b1846, AMD EPYC (growth_session24.md): the late decline's arms, one or two
# seeds each to 1M (TOML files of one setting; the ridge and return-window arms with their patch
# applied, the reliability arm its patch alone)
printf '[brain_config]\nablate = ["hippocampus"]\n' > nohippo.toml
printf '[brain_config]\nconsolidation_per_step = 0\n' > noconsol.toml
printf '[brain_config.neuromodulators]\nstriatal_weight = 4.0\n' > sw4.toml
for s in 0 1; do littlebrain run snake --env-arg view=egocentric --steps 1000000 --seed $s --quiet --config nohippo.toml --out runs/s24/nohippo-seed$s; done
littlebrain run snake --env-arg view=egocentric --steps 1000000 --seed 0 --quiet --config noconsol.toml --out runs/s24/noconsol-seed0   # stopped at 400k
for s in 0 1; do littlebrain run snake --env-arg view=egocentric --steps 1000000 --seed $s --quiet --config sw4.toml --out runs/s24/sw4-seed$s; done   # seed 0 stopped at 500k
for s in 0 1 2; do python results/snake/growth_session24/horizon_probe.py $s 0.99 200000 runs/s24/horizon0.99-seed$s; done
python results/snake/growth_session24/horizon_probe.py 0 0.99 200000 runs/s24/ramp0.99-200k-600k-seed0 600000   # stopped at 500k
python results/snake/growth_session24/td_error_probe.py runs/s24/window32-seed1 20000
# session 24: CNN PPO 2M seed 2 from scratch at 1d63d57 (the baselines unchanged since 530f002)
OMP_NUM_THREADS=1 python -c "from littlebrain.bench.snake import Job, run_job, describe; print(describe(*run_job(Job('ppo-cnn-sparse-egocentric', 2000000, 2, 'runs/snake-cnn-2m'))))"
# session 24: the table again from raw/ plus that run, as in session 23
littlebrain bench snake --report --runs runs/snake-table --out results/snake
# session 25 (commit 7aecf97 plus the session's change; results/snake/growth_session25.md)
OMP_NUM_THREADS=1 littlebrain bench snake --methods dqn-cnn-sparse-egocentric --seeds 3 --steps 200000 --workers 1 --runs runs/snake-cnn-200k --out /tmp/dqn-report   # seed 0 finished; stopped in seed 1
printf '[brain_config.neuromodulators]\nhorizon_per_life = 0.2\n' > life0.2.toml
for s in 0 1 2; do littlebrain run snake --env-arg view=egocentric --steps 1000000 --seed $s --config life0.2.toml --out runs/s25/life0.2r-seed$s; done
for s in 3 4; do littlebrain run snake --env-arg view=egocentric --steps 200000 --seed $s --config life0.2.toml --out runs/s25/life0.2r-seed$s; littlebrain resume runs/s25/life0.2r-seed$s --steps 1000000; done
for s in 5 6 7 8 9; do littlebrain run snake --env-arg view=egocentric --steps 200000 --seed $s --config life0.2.toml --out runs/s25/life0.2r-seed$s; done
python results/snake/growth_session25/horizon_switch_probe.py 0 0.99 200000 runs/s25/rescale-seed0 600000   # stopped at 430k
# the table again from raw/ plus the CNN DQN run, as in session 23
littlebrain bench snake --report --runs runs/snake-table --out results/snake
# session 25: the rule on the Atari development games (commit 31cabc7); the default arm after it was stopped for time
littlebrain bench atari100k --games Pong Boxing Freeway Breakout MsPacman --seeds 2 --config life0.2.toml --workers 2 --runs runs/atari-life --out runs/atari-life/report
