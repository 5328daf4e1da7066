"""`python -m assistant eval run | list | compare | gate`: the evaluation harness."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import running

app = typer.Typer(help="Replay golden cases, compare runs, gate a configuration change.")

GroupsOpt = Annotated[
    str | None,
    typer.Option("--groups", help="Groups to read cases with (comma-separated; default everyone)."),
]
AsOpt = Annotated[str | None, typer.Option("--as", help="Account the run is recorded under.")]


def _reader(as_user: str | None, groups: str | None):  # type: ignore[no-untyped-def]
    from review.cli import _reader as reader_for

    return reader_for(as_user, "configure", groups)


@app.command("run")
def run_cmd(
    dataset: Annotated[
        str, typer.Option(help="live | golden-vN | starter | a JSONL file in the export format.")
    ] = "starter",
    config: Annotated[
        str, typer.Option(help="production | candidate | a stored version | a TOML file.")
    ] = "production",
    extractive: Annotated[
        bool, typer.Option(help="Quoted answers only, no model: deterministic.")
    ] = False,
    repeat: Annotated[int, typer.Option(min=1, max=20, help="Replays of each case.")] = 1,
    limit: Annotated[int | None, typer.Option(min=1, help="Only the first N cases.")] = None,
    include_stale: Annotated[bool, typer.Option(help="Keep stale cases, marked.")] = False,
    judge_url: Annotated[
        str | None,
        typer.Option(
            help="Opt-in LLM judge: an OpenAI-compatible endpoint (key: ASSISTANT_JUDGE_API_KEY)."
        ),
    ] = None,
    judge_model: Annotated[str, typer.Option(help="The judge's model name.")] = "gpt-4o-mini",
    as_json: Annotated[bool, typer.Option("--json", help="Print the run and its results.")] = False,
    as_user: AsOpt = None,
    groups: GroupsOpt = None,
) -> None:
    """Replay a dataset through the answering pipeline and store the run."""
    from review.evaluation import compare, promotion, runner
    from review.evaluation.judge import Judge

    reader = _reader(as_user, groups)
    with running(["weaviate"] if extractive else None) as rt:
        answer_config = promotion.resolve_config(rt.engine, rt.settings, config)
        if extractive:
            generation = answer_config.generation.model_copy(update={"enabled": False})
            answer_config = answer_config.model_copy(update={"generation": generation})
        judge = None
        if judge_url:
            key = rt.settings.judge_api_key
            judge = Judge(judge_url, judge_model, key.get_secret_value() if key else "unused")
        request = runner.RunRequest(dataset, answer_config, repeat, limit, include_stale, judge)
        row = runner.run(rt, request, reader, progress=_progress)
        run, results = compare.load_run(rt.engine, row.id)
    if as_json:
        typer.echo(compare.run_record(run, results).model_dump_json(indent=2))
        return
    for line in describe(run):
        typer.echo(line)


def _progress(done: int, total: int, case_id: str) -> None:
    """A progress line on the terminal (stderr, so --json output stays clean)."""
    width = 30
    filled = width * done // max(total, 1)
    end = "\n" if done == total else ""
    bar = "#" * filled + "-" * (width - filled)
    typer.echo(f"\revaluating [{bar}] {done}/{total} {case_id:<16}", err=True, nl=False)
    if end:
        typer.echo("", err=True)


def describe(run) -> list[str]:  # type: ignore[no-untyped-def]
    s = run.summary
    ex = run.excluded
    lines = [
        f"run {run.id} ({run.status}): {run.dataset} {run.dataset_version}, "
        f"{run.cases} cases x {run.repeat}, config {run.config_version}, {run.seconds:.0f}s",
        f"  pass rate {_fmt(s.get('pass_rate'))}; "
        f"correct refusals {_fmt(s.get('correct_refusal_rate'))}, "
        f"false refusals {_fmt(s.get('false_refusal_rate'))}; fallbacks {s.get('fallbacks')}, "
        f"errors {s.get('errors')}",
    ]
    metrics = s.get("metrics", {})
    lines.append("  " + ", ".join(f"{k} {_fmt(v)}" for k, v in metrics.items()))
    lat = s.get("latency_ms", {})
    lines.append(
        f"  latency p50/p95: retrieve {lat.get('retrieve_p50')}/{lat.get('retrieve_p95')} ms, "
        f"first token {lat.get('first_token_p50')}/{lat.get('first_token_p95')} ms, "
        f"total {lat.get('total_p50')}/{lat.get('total_p95')} ms; cost per answer "
        f"{_fmt(s.get('cost_per_answer'))}"
    )
    left_out = f"  left out: {ex.get('stale', 0)} stale, {ex.get('unreadable', 0)} not readable"
    lines.append(left_out + f", {len(ex.get('invalid', []))} invalid")
    lines += [f"    invalid {p['case']}: {p['reason']}" for p in ex.get("invalid", [])]
    lines += [f"    stale {p['case']}: {p['reason']}" for p in ex.get("stale_cases", [])]
    if s.get("flaky"):
        lines.append(f"  flaky: {', '.join(s['flaky'])}")
    return lines


def _fmt(v: object) -> str:
    return "-" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


@app.command("list")
def list_cmd(
    limit: Annotated[int, typer.Option(help="Most recent runs to show.")] = 20,
) -> None:
    """Recent runs, newest first."""
    from sqlmodel import col, select

    from assistant.storage import db
    from review.models import EvalRun

    with running(parts=()) as rt, db.session_scope(rt.engine) as session:
        runs = session.exec(
            select(EvalRun).order_by(col(EvalRun.started_at).desc()).limit(limit)
        ).all()
        for r in runs:
            rate = r.summary.get("pass_rate")
            typer.echo(
                f"{r.id}  {r.started_at:%Y-%m-%d %H:%M}  {r.status:<10} {r.dataset:<12} "
                f"{r.config_version:<20} pass {_fmt(rate)}"
            )


@app.command("compare")
def compare_cmd(
    baseline: Annotated[str, typer.Argument(help="Run id (or prefix) or a run JSON file.")],
    candidate: Annotated[str, typer.Argument(help="Run id (or prefix) or a run JSON file.")],
    fmt: Annotated[str, typer.Option("--format", help="table | markdown | json")] = "table",
    as_user: AsOpt = None,
    groups: GroupsOpt = None,
) -> None:
    """What got better and worse, with paired bootstrap intervals and McNemar's test."""
    from review.evaluation import compare, report

    reader = _reader(as_user, groups)
    with running(parts=()) as rt:
        result = compare.compare(rt.engine, baseline, candidate, reader)
    if fmt == "json":
        typer.echo(result.model_dump_json(indent=2))
    elif fmt in ("table", "markdown"):
        typer.echo(report.render(result, markdown=fmt == "markdown"))
    else:
        raise typer.BadParameter("use table, markdown or json", param_hint="--format")


@app.command("gate")
def gate_cmd(
    baseline: Annotated[str, typer.Option(help="Run id (or prefix) or a run JSON file.")],
    candidate: Annotated[str, typer.Option(help="Run id (or prefix) or a run JSON file.")],
    max_drop: Annotated[
        list[str] | None,
        typer.Option(help="METRIC=VALUE: the largest drop allowed (repeatable)."),
    ] = None,
    must_pass: Annotated[
        bool, typer.Option(help="Fail if any case that passed in the baseline fails.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Exit 0 when the candidate may replace the baseline, 1 when it may not."""
    from assistant.identity.groups import Reader
    from review.evaluation import compare

    margins = {}
    for item in max_drop or []:
        metric, _, value = item.partition("=")
        try:
            margins[metric.strip()] = float(value)
        except ValueError:
            raise typer.BadParameter(
                f"{item!r} is not METRIC=VALUE", param_hint="--max-drop"
            ) from None
    with running(parts=()) as rt:
        # Counts and verdicts only: flips are not printed, so no passage text leaves.
        result = compare.gate(
            rt.engine,
            baseline,
            candidate,
            Reader("gate", ()),
            max_drop=margins,
            must_pass=must_pass,
        )
    if as_json:
        typer.echo(
            json.dumps(result.model_dump(mode="json", exclude={"comparison": {"flips"}}), indent=2)
        )
    else:
        typer.echo("gate: PASSED" if result.passed else "gate: FAILED")
        for reason in result.reasons:
            typer.echo(f"  {reason}")
    raise typer.Exit(0 if result.passed else 1)


config_app = typer.Typer(help="Answering config versions: candidate, promotion, rollback.")


@config_app.command("list")
def config_list() -> None:
    """Every stored version, newest first, with its labels."""
    from assistant.answering import versions

    with running(parts=()) as rt:
        versions.serving(rt.engine, rt.settings)  # the file seeds production on first use
        for v in versions.history(rt.engine):
            labels = ",".join(v.labels)
            typer.echo(f"{v.version:<22} {labels:<20} {v.created_at:%Y-%m-%d %H:%M}  {v.source}")


@config_app.command("show")
def config_show(
    version: Annotated[str, typer.Argument(help="A version, production or candidate.")],
    toml: Annotated[
        bool, typer.Option("--toml", help="As TOML, to edit and pass to set-candidate.")
    ] = False,
) -> None:
    """One version as JSON (or TOML)."""
    from assistant.answering.config import to_toml
    from review.evaluation import promotion

    with running(parts=()) as rt:
        config = promotion.resolve_config(rt.engine, rt.settings, version)
    typer.echo(to_toml(config) if toml else config.model_dump_json(indent=2))


@config_app.command("diff")
def config_diff(
    old: Annotated[str, typer.Argument(help="A version, production or candidate.")] = "production",
    new: Annotated[str, typer.Argument(help="A version, production or candidate.")] = "candidate",
) -> None:
    """What changes between two versions (default: production to the candidate)."""
    from assistant.answering import versions
    from review.evaluation import promotion

    with running(parts=()) as rt:
        a = versions.remember(
            rt.engine, promotion.resolve_config(rt.engine, rt.settings, old), "cli", "diff"
        )
        b = versions.remember(
            rt.engine, promotion.resolve_config(rt.engine, rt.settings, new), "cli", "diff"
        )
        typer.echo(versions.diff(rt.engine, a, b) or "no difference")


@config_app.command("set-candidate")
def config_set_candidate(
    path: Annotated[Path, typer.Argument(help="An answering config TOML (validated).")],
    as_user: AsOpt = None,
) -> None:
    """Store a config file as a version and label it the candidate."""
    from assistant.answering.config import load_answer_config
    from review.evaluation import promotion

    lead = _reader(as_user, None)
    config = load_answer_config(path)
    with running(parts=()) as rt:
        version = promotion.set_candidate(rt.engine, config, lead.user_id, str(path))
    typer.echo(f"candidate: {version}")


@config_app.command("promote")
def config_promote(
    override: Annotated[
        str | None, typer.Option(help="Promote although the gate fails: the written reason.")
    ] = None,
    as_user: AsOpt = None,
) -> None:
    """Make the candidate production: refused unless the gate passes against production's
    latest run on the same dataset (or an override reason is given)."""
    from review.evaluation import promotion

    lead = _reader(as_user, None)
    with running(parts=()) as rt:
        done = promotion.promote(rt.engine, lead, override_reason=override)
    how = "overriding the gate" if done.overridden else "the gate passed"
    typer.echo(f"production: {done.version} (was {done.previous}; {how})")


@config_app.command("rollback")
def config_rollback(
    version: Annotated[str, typer.Argument(help="A stored version to serve again.")],
    as_user: AsOpt = None,
) -> None:
    """Move production back to an earlier version."""
    from review.evaluation import promotion

    lead = _reader(as_user, None)
    with running(parts=()) as rt:
        previous = promotion.rollback(rt.engine, lead, version)
    typer.echo(f"production: {version} (was {previous})")


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="eval")
    root.add_typer(config_app, name="config")
