"""The `littlebrain` command line."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

from littlebrain import __version__
from littlebrain.config import RunConfig, from_dict, read_config_file
from littlebrain.envs import ALIASES
from littlebrain.errors import ConfigError, LittlebrainError

DEFAULTS = RunConfig()


def _positive_int(text: str) -> int:
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"seeds are non-negative, got {value}")
    return value


def _env_arg(text: str) -> tuple[str, object]:
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw  # a bare word is a string: view=egocentric
    return key, value


EXAMPLES = {
    "main": """examples:
  littlebrain run snake --env-arg view=egocentric     # the main job: 36-41 apples at 200k
  littlebrain report runs/snake-seed0-...             # one HTML file: curve, probes, episode
  littlebrain bench snake --seeds 5                   # a suite: many seeds, table and plots

Run `littlebrain COMMAND --help` for a command's options and examples.""",
    "run": """examples:
  littlebrain run snake --env-arg view=egocentric
  littlebrain run snake --env-arg view=egocentric --steps 50000 --seed 3 --out runs/s3
  littlebrain run dishpong --env-arg place_frame=field --env-arg bins_per_second=50
  littlebrain run CartPole-v1 --steps 20000           # any Gymnasium world, Discrete actions
  littlebrain run gates --env-arg track=line          # a drone; Box actions through primitives
  littlebrain run snake --env-arg view=egocentric --config my.toml
                         # my.toml: probe_every = 100, or [brain_config] discount = 0.9""",
    "resume": """examples:
  littlebrain resume runs/s3                          # continue to the run's own budget
  littlebrain resume runs/s3 --steps 400000           # or further""",
    "eval": """examples:
  littlebrain eval runs/s3                            # 10 frozen episodes of the last checkpoint
  littlebrain eval runs/s3 --episodes 100 --step-budget 500000""",
    "report": """examples:
  littlebrain report runs/s3                          # writes runs/s3/report.html
  littlebrain report results/snake                    # a suite: results/snake/report.html
  littlebrain report runs/s3 --out /tmp/s3.html --no-animation""",
    "watch": """examples:
  littlebrain run snake --env-arg view=egocentric --out runs/live &
  littlebrain watch runs/live                         # open http://127.0.0.1:8765""",
    "bench": """examples:
  littlebrain bench snake --seeds 5 --workers 2
  littlebrain bench snake --methods littlebrain-egocentric ppo-sparse-egocentric --seeds 3
  littlebrain bench dishpong --seeds 10
  littlebrain bench dishpong --settings field-20ms --methods littlebrain-stimulus random
  littlebrain bench atari100k --games Pong Breakout --seeds 2
  littlebrain bench gates --seeds 5                   # drone racing (the gates extra)
  littlebrain bench snake --report                    # only rewrite the report""",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="littlebrain",
        description="Small brains of biologically inspired regions that learn online, "
        "step by step, with local rules only.",
        epilog=EXAMPLES["main"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"littlebrain {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser(
        "run",
        epilog=EXAMPLES["run"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="run a brain in a world, learning online, into a resumable run folder",
        description="Run a brain in a Gymnasium world with a Discrete action space (or a "
        "bounded Box one, played through primitives: rest and each axis's two ends). The run "
        "folder gets config.json, metrics.csv (a row per episode), checkpoints/, summary.json "
        "and learning_curve.png. Settings: defaults < --config file < command-line flags.",
    )
    run.add_argument(
        "env", metavar="ENV", help=f"a world: {', '.join(sorted(ALIASES))}, or any Gymnasium id"
    )
    run.add_argument(
        "--steps",
        type=_positive_int,
        default=None,
        help=f"environment steps to run (default {DEFAULTS.steps:,})",
    )
    run.add_argument(
        "--seed", type=_seed, default=None, help="seed of the world and the brain (default 0)"
    )
    run.add_argument(
        "--size", type=_positive_int, default=None, help="board size (Snake; default 10)"
    )
    run.add_argument(
        "--env-arg",
        type=_env_arg,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a keyword for the world's constructor, e.g. view=egocentric or "
        "reward_mode=shaped (repeatable; values are read as JSON where they parse)",
    )
    run.add_argument("--brain", default=None, help=f"which brain (default {DEFAULTS.brain!r})")
    run.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="JSON or TOML file with run settings (see config.json of any run)",
    )
    run.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="run folder to create (default runs/<env>-seed<S>-<time>)",
    )
    run.add_argument(
        "--checkpoint-every",
        type=_positive_int,
        default=None,
        metavar="N",
        help=f"steps between checkpoints (default {DEFAULTS.checkpoint_every:,})",
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar or summary table")

    resume = commands.add_parser(
        "resume",
        epilog=EXAMPLES["resume"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="continue a run from its last checkpoint",
        description="Continue a run from its newest checkpoint, bit for bit as if it had never "
        "stopped. Metric rows written after that checkpoint are dropped and written again.",
    )
    resume.add_argument("run_dir", type=Path, metavar="DIR", help="the run folder")
    resume.add_argument(
        "--steps",
        type=_positive_int,
        default=None,
        help="new total step budget (default: the run's own)",
    )
    resume.add_argument(
        "--env",
        default=None,
        metavar="ID",
        help="the run's world, named again by you: needed only where the run folder names a "
        "world that is not registered (a module-qualified id such as mymodule:World-v0, which "
        "Gymnasium imports; a run folder alone never makes littlebrain import a module)",
    )
    resume.add_argument("--quiet", action="store_true", help="no progress bar or summary table")

    bench = commands.add_parser(
        "bench",
        epilog=EXAMPLES["bench"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        help="run a benchmark suite (many seeds, resumable) and write its report",
        description="Run a benchmark suite: every (method, budget, seed) is a run folder under "
        "--runs; finished runs are never redone and unfinished ones resume, so a table can be "
        "completed over several sittings. The report (table, raw data, plots, command, commit, "
        "machine) goes to --out.",
    )
    bench.add_argument(
        "suite",
        choices=["snake", "dishpong", "criticality", "atari100k", "gates"],
        help="which suite",
    )
    bench.add_argument(
        "--methods",
        nargs="+",
        default=None,
        metavar="M",
        help="methods to run (default: the suite's littlebrain methods and chance, and for "
        "gates the scripted controller); snake baselines: dqn-sparse, dqn-shaped, ppo-sparse, "
        "ppo-shaped (an MLP) and dqn-cnn-sparse, ..., ppo-cnn-shaped (a small CNN), each also "
        "with -egocentric, resuming from a checkpoint every 100k steps; dishpong baselines: "
        "dqn-reward, a2c-reward, ppo-reward; gates baselines: ppo-box, sac-box, ppo-primitives, "
        "dqn-primitives, each also with -progress (the baselines extra); an unknown name lists "
        "them all",
    )
    bench.add_argument(
        "--steps",
        type=_positive_int,
        default=None,
        help="steps per run (default: 200,000 for snake and gates, 50,000 for criticality, "
        "100,000 for atari100k)",
    )
    bench.add_argument(
        "--games",
        nargs="+",
        default=None,
        metavar="GAME",
        help="atari100k: the games to run (default: all 26)",
    )
    bench.add_argument(
        "--settings",
        nargs="+",
        default=None,
        metavar="SETTING",
        help="dishpong: the world settings to play (default: all; field-20ms, the protocol's "
        "place code at the world's 20 ms bins, is the headline)",
    )
    bench.add_argument(
        "--eval-episodes",
        type=_positive_int,
        default=None,
        help="atari100k and gates: evaluation episodes per run, learning frozen (atari100k: "
        "default 30, the protocol's 100 where time allows; gates: default 20)",
    )
    bench.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="atari100k: a JSON or TOML file whose brain_config table sets the brain for an "
        "ablation on the development games (default: the default brain; give each arm its "
        "own --runs)",
    )
    bench.add_argument(
        "--anchors",
        default=None,
        metavar="DIR",
        help="atari100k: the published raw scores, read at report time (default: "
        "../shared/anchors/atari100k); snake: the measured references' learning curves "
        "(default: ../shared/anchors/snake)",
    )
    bench.add_argument(
        "--seeds", type=_positive_int, default=5, help="seeds 0..N-1 per method (default 5)"
    )
    bench.add_argument(
        "--workers",
        type=_positive_int,
        default=2,
        help="parallel processes (default 2; with --backend ray and no --address, the CPUs "
        "of the local Ray instance)",
    )
    bench.add_argument(
        "--backend",
        choices=["local", "ray"],
        default="local",
        help="local processes (default), or Ray: a local instance, or a cluster with "
        "--address (the runs folder must then be on a filesystem every node shares)",
    )
    bench.add_argument(
        "--address", default=None, metavar="ADDR", help="a running Ray cluster (ray backend)"
    )
    bench.add_argument(
        "--runs",
        default=None,
        metavar="DIR",
        help="where the run folders live (default: runs/bench/SUITE)",
    )
    bench.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="report folder (default: results/SUITE, or DIR/report with --runs DIR: a sweep in "
        "its own runs folder never overwrites the committed table)",
    )
    bench.add_argument(
        "--report", action="store_true", help="only aggregate the finished runs into the report"
    )

    evaluate = commands.add_parser(
        "eval",
        help="play a run's last checkpoint with learning frozen",
        description="Frozen evaluation: the brain of the run's last checkpoint plays episodes "
        "seeded from the run's evaluation stream, learning off (the explicit switch that some "
        "protocols demand; littlebrain otherwise always learns). Scores go to "
        "RUN/evaluations/step-N.json.",
        epilog=EXAMPLES["eval"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    evaluate.add_argument("run_dir", type=Path, metavar="RUN", help="the run folder")
    evaluate.add_argument(
        "--episodes", type=_positive_int, default=10, help="episodes to play (default 10)"
    )
    evaluate.add_argument(
        "--step-budget",
        type=_positive_int,
        default=100_000,
        metavar="N",
        help="at most N steps in all; an episode still running then is not scored "
        "(default 100,000)",
    )
    evaluate.add_argument("--env", default=None, metavar="ID", help="as for resume")

    report = commands.add_parser(
        "report",
        help="write one self-contained HTML report of a run or a suite",
        description="One HTML file that opens offline: for a run folder, its figures, "
        "learning curve, probes, the best of a few episodes of its last checkpoint, settings, "
        "wiring and provenance; for a suite's results folder, its README (table and readings) "
        "with its images, every run and per-seed learning curves.",
        epilog=EXAMPLES["report"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument("path", type=Path, metavar="RUN_OR_SUITE", help="a run or results folder")
    report.add_argument(
        "--out", type=Path, default=None, metavar="FILE", help="default: PATH/report.html"
    )
    report.add_argument(
        "--no-animation", action="store_true", help="skip playing episodes for the animation"
    )

    watch = commands.add_parser(
        "watch",
        help="serve a live page that follows a run as it learns",
        description="Serve a local page that follows a running (or resumed) run: what the "
        "brain sees, the learning curve and the probes, updated each second from the run "
        "folder's files (watching never changes or slows the run). Ctrl-C stops the server.",
        epilog=EXAMPLES["watch"],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    watch.add_argument("run_dir", type=Path, metavar="RUN", help="the run folder")
    watch.add_argument("--port", type=int, default=8765, help="default 8765 (0: any free)")
    watch.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1 (this machine only)")

    analyze = commands.add_parser(
        "analyze",
        help="print and plot the criticality measures of a finished run",
        description="Branching ratio (multistep regression), avalanche exponents, crackling-noise "
        "deviation of the reservoir activity a run recorded (runs of `littlebrain bench "
        "criticality`); writes criticality.png into the run folder.",
    )
    analyze.add_argument("run_dir", type=Path, metavar="RUN", help="the run folder")

    commands.add_parser(
        "brains",
        help="list the brains littlebrain can run",
        description="List the brains littlebrain can run.",
    )
    return parser


def _announce_compilation() -> None:
    """Say so when the brain's Numba kernels have no compiled cache yet: the first run on a
    machine spends up to a minute compiling them before its first step."""
    import littlebrain.regions

    cache = Path(littlebrain.regions.__file__).parent / "__pycache__"
    if not any(cache.glob("_hippocampus_kernels.*.nbi")):
        print(
            "compiling the brain's kernels (first run on this machine only, up to a minute)...",
            file=sys.stderr,
            flush=True,
        )


def _evaluate(args: argparse.Namespace, command: str) -> int:
    from littlebrain.checkpoint import write_json_atomic
    from littlebrain.evaluation import evaluate
    from littlebrain.runs import load_run_brain, provenance
    from littlebrain.stats import summarise

    _announce_compilation()
    config, env, brain, meta = load_run_brain(args.run_dir, trusted_env=args.env)
    print(f"evaluating the brain of step {meta['step']:,} (learning frozen) ...", flush=True)
    result = evaluate(brain, env, config.seed, args.episodes, args.step_budget)
    env.close()
    scores = summarise(result["eval_scores"])
    out = Path(args.run_dir) / "evaluations" / f"step-{meta['step']}.json"
    out.parent.mkdir(exist_ok=True)
    record = {"step": meta["step"], "command": command, **result, **provenance()}
    write_json_atomic(out, record)
    print(
        f"{result['eval_episodes']} of {args.episodes} episodes ended in {result['eval_steps']:,} "
        f"steps: mean {scores.interval()} (95% t), "
        f"median {_fmt(scores.median) if scores.n else '-'}\n"
        f"written to {out}"
    )
    return 0


def _run_config(args: argparse.Namespace) -> RunConfig:
    data = read_config_file(args.config) if args.config else {}
    data = dict(data)
    data["env"] = args.env
    env_kwargs = {**data.get("env_kwargs", {}), **dict(args.env_arg)}
    if args.size is not None:
        from littlebrain.runs import resolve_env_id

        if resolve_env_id(args.env) != "littlebrain/Snake-v0":
            raise ConfigError(
                f"--size applies to Snake only; give {args.env} its settings with --env-arg"
            )
        env_kwargs["size"] = args.size
    if env_kwargs:
        data["env_kwargs"] = env_kwargs
    for flag, key in (
        ("steps", "steps"),
        ("seed", "seed"),
        ("brain", "brain"),
        ("checkpoint_every", "checkpoint_every"),
    ):
        if getattr(args, flag) is not None:
            data[key] = getattr(args, flag)
    return from_dict(RunConfig, data, "config")


def _default_out(config: RunConfig) -> Path:
    short = config.env.replace("/", "-").replace(":", "-").lower()
    base = Path("runs") / f"{short}-seed{config.seed}-{time.strftime('%Y%m%d-%H%M%S')}"
    out, n = base, 1
    while out.exists():
        n += 1
        out = base.with_name(f"{base.name}-{n}")
    return out


def _print_summary(summary: dict, folder: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"run {folder}", show_header=False)
    sitting = summary["this_sitting"]
    rows = [
        ("world", summary["env"]),
        ("brain", summary["brain_description"]),
        ("steps", f"{summary['steps']:,} of {summary['steps_budget']:,}"),
        ("episodes", f"{summary['episodes']:,}"),
        ("mean score, last 100 episodes", _fmt(summary["mean_score_last_100"])),
        ("best episode score", _fmt(summary["best_score"])),
        ("steps/s (this sitting)", _fmt(sitting["steps_per_second"], ",.0f")),
        ("wall seconds (this sitting)", _fmt(sitting["wall_seconds"], ".1f")),
    ]
    for key, value in rows:
        table.add_row(key, value)
    Console().print(table)


def _fmt(value: float | None, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    command = shlex.join(["littlebrain", *argv])
    try:
        if args.command == "brains":
            from littlebrain.brains import BRAINS, DEFAULT_BRAIN

            for name, cls in sorted(BRAINS.items()):
                mark = " (default)" if name == DEFAULT_BRAIN else ""
                print(f"{name}{mark}: {cls.description}")
            return 0

        if args.command == "bench":
            from littlebrain.bench import Workers

            args.workers = Workers(args.workers, args.backend, args.address)
            # a report replaces its folder's table and raw data, so only the suite's own runs
            # folder reports to results/ unless --out says so
            args.out = args.out or (f"{args.runs}/report" if args.runs else f"results/{args.suite}")
            args.runs = args.runs or f"runs/bench/{args.suite}"
            atari_only = {
                "--games": args.games,
                "--eval-episodes": args.eval_episodes,
                "--anchors": args.anchors,
                "--config": args.config,
            }
            if args.settings is not None and args.suite != "dishpong":
                raise ConfigError("--settings applies to dishpong only")
            if args.suite == "atari100k":
                from littlebrain.bench import atari100k

                if args.methods:
                    raise ConfigError("atari100k runs the default brain: --methods does not apply")
                args.steps = args.steps or atari100k.STEPS
                args.eval_episodes = args.eval_episodes or atari100k.EVAL_EPISODES
                args.anchors = args.anchors or "../shared/anchors/atari100k"
                if not args.report:
                    atari100k.run_from_args(args)
                from littlebrain.bench.atari100k_report import write_report

                report = write_report(Path(args.runs), Path(args.out), Path(args.anchors), command)
                print(f"report: {report}")
                return 0
            if args.suite == "gates":
                from littlebrain.bench import gates

                args.eval_episodes = args.eval_episodes or gates.EVAL_EPISODES
                atari_only.pop("--eval-episodes")
            if args.suite == "snake":
                atari_only.pop("--anchors")
            where = {"--eval-episodes": "atari100k and gates", "--anchors": "atari100k and snake"}
            for flag, value in atari_only.items():
                if value is not None:
                    raise ConfigError(f"{flag} applies to {where.get(flag, 'atari100k')} only")
            if args.suite == "gates":
                return gates.main(args, command)
            if args.suite == "dishpong":
                from littlebrain.bench import dishpong

                return dishpong.main(args, command)
            if args.suite == "criticality":
                from littlebrain.bench import criticality

                return criticality.main(args, command)
            from littlebrain.bench import snake

            args.steps = args.steps or 200_000
            args.anchors = args.anchors or "../shared/anchors/snake"
            return snake.main(args, command)

        if args.command == "report":
            from littlebrain.report import write_report

            print(f"report: {write_report(args.path, args.out, not args.no_animation)}")
            return 0

        if args.command == "watch":
            from littlebrain.watch import make_server

            server = make_server(args.run_dir, args.host, args.port)
            host, port = server.server_address[:2]
            print(f"watching {args.run_dir} at http://{host}:{port}/ (Ctrl-C stops)", flush=True)
            try:
                server.serve_forever()
            finally:
                server.server_close()
            return 0

        if args.command == "eval":
            return _evaluate(args, command)

        if args.command == "analyze":
            from littlebrain.bench import criticality

            return criticality.analyze(args.run_dir)

        from littlebrain.runs import Session

        if not args.quiet:
            _announce_compilation()
        if args.command == "run":
            config = _run_config(args)
            session = Session.start(config, args.out or _default_out(config), command)
        else:
            session = Session.resume(
                args.run_dir, steps=args.steps, command=command, trusted_env=args.env
            )
        if not args.quiet:
            print(f"run folder: {session.folder.path}")
        summary = session.run(show_progress=not args.quiet)
        if not args.quiet:
            _print_summary(summary, session.folder.path)
        return 0
    except LittlebrainError as error:
        print(f"littlebrain: error: {error}", file=sys.stderr)
        return 2
    except MemoryError:
        print(
            "littlebrain: error: out of memory (the settings or the input ask for more than "
            "this machine has)",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print(
            "littlebrain: interrupted; `littlebrain resume DIR` continues from the last checkpoint",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
