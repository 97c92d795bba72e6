"""The ``helpdesk`` command line: build the index, ask, serve, evaluate, benchmark."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.progress import Progress
from rich.table import Table

from helpdesk.settings import Settings, get_settings

if TYPE_CHECKING:
    from index import Retriever

app = typer.Typer(help="cvm-helpdesk: answers about CVM ports and security groups.", no_args_is_help=True)
index_app = typer.Typer(help="Build and inspect the retrieval index.", no_args_is_help=True)
faq_app = typer.Typer(help="Inspect the FAQ knowledge base.", no_args_is_help=True)
app.add_typer(index_app, name="index")
app.add_typer(faq_app, name="faq")
db_app = typer.Typer(help="The deflection store: migrations and demo data.", no_args_is_help=True)
app.add_typer(db_app, name="db")
console = Console()
DEFAULT_EVAL = Path("tests/data/eval.jsonl")
DEFAULT_DIAGNOSIS_EVAL = Path("tests/data/diagnosis_dev.jsonl")


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}", soft_wrap=True)
    return typer.Exit(code=1)


def _open_retriever(settings: Settings, rebuild: bool = True) -> Retriever:
    from index import RetrievalError, make_embedder, open_or_build
    from knowledge import KnowledgeError, load_knowledge

    try:
        kb = load_knowledge(settings.knowledge_dir)
        retriever, rebuilt = open_or_build(
            kb, make_embedder(settings.model, settings.threads), settings.index_dir, rebuild=rebuild
        )
    except (KnowledgeError, RetrievalError) as e:
        raise _fail(str(e)) from e
    if rebuilt:
        console.print(f"[yellow]index rebuilt:[/yellow] {rebuilt}")
    return retriever


@index_app.command("build")
def index_build() -> None:
    """Embed the FAQ, calibrate the confidence threshold, and write the index."""
    from index import RetrievalError, build_index, make_embedder
    from knowledge import KnowledgeError, load_knowledge

    settings = get_settings()
    try:
        kb = load_knowledge(settings.knowledge_dir)
        embedder = make_embedder(settings.model, settings.threads)
        with Progress(console=console) as progress:
            task = progress.add_task("embedding", total=None)
            retriever = build_index(
                kb, embedder, settings.index_dir, lambda done, total: progress.update(task, completed=done, total=total)
            )
    except (KnowledgeError, RetrievalError, ValueError) as e:
        raise _fail(str(e)) from e
    cal = retriever.calibration
    console.print(f"index of {len(kb.entries)} entries written to {settings.index_dir} (model {embedder.model_id})")
    if cal:
        console.print(f"confidence threshold {cal.threshold:.3f} fitted on {cal.fitted_on} calibration queries")
    else:
        console.print("[yellow]no calibration.jsonl in the knowledge folder: every answer will be declined[/yellow]")


@index_app.command("status")
def index_status() -> None:
    """Show the manifest of the built index and whether it is current."""
    from index import RetrievalError, make_embedder, open_index, read_manifest
    from knowledge import load_knowledge

    settings = get_settings()
    try:
        manifest = read_manifest(settings.index_dir)
        console.print_json(data=manifest.to_json())
        open_index(
            load_knowledge(settings.knowledge_dir), make_embedder(settings.model, settings.threads), settings.index_dir
        )
    except RetrievalError as e:
        raise _fail(str(e)) from e
    console.print("[green]current[/green]")


@faq_app.command("list")
def faq_list() -> None:
    """List every FAQ entry with its id, in both languages, and where each text stands (dates)."""
    from knowledge import load_knowledge

    kb = load_knowledge(get_settings().knowledge_dir)
    languages = sorted(kb.translations)
    table = Table("id", "section", "question (source)", *(f"question ({lang})" for lang in languages), "alternates")
    for e in kb.entries:
        translated = [
            t.question if (t := kb.translation(e.id, lang)) else "[dim]not translated[/dim]" for lang in languages
        ]
        table.add_row(e.id, e.section, e.question, *translated, str(len(e.alternates)))
    console.print(table)
    for name, source in kb.sources.items():
        copied = source.copied.isoformat() if source.copied else "date not recorded"
        console.print(f"source: {name} ({source.language}) copied {copied} from {source.url}")
    for lang in languages:
        dates = sorted({t.translated.isoformat() for t in kb.translations[lang].values()})
        missing = len(kb.untranslated(lang))
        console.print(f"translation ({lang}): made {', '.join(dates)}; {missing} entries not translated")


def _store(migrate: bool = True):  # type: ignore[no-untyped-def]
    from deflection import DeflectionStore, StoreUnavailableError

    try:
        return DeflectionStore(get_settings().effective_database_url, migrate=migrate)
    except StoreUnavailableError as e:
        raise _fail(str(e)) from e


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the deflection database (HELPDESK_DATABASE_URL) to the latest schema."""
    store = _store()
    console.print(f"{store.dialect} database at revision {store.revision}")
    store.close()


@db_app.command("seed-demo")
def db_seed_demo(
    days: Annotated[int, typer.Option(min=1, max=3650, help="Days up to today")] = 30,
    turns: Annotated[int, typer.Option(min=1, help="About this many turns")] = 5000,
    seed: Annotated[int, typer.Option(help="Random seed")] = 7,
) -> None:
    """Write realistic demo conversations, feedback, suggestions and tickets (for the dashboard)."""
    from deflection.seed import seed_demo_data

    store = _store()
    counts = seed_demo_data(store, days=days, turns=turns, seed=seed)
    console.print(", ".join(f"{n} {name}" for name, n in counts.items()) + f" written ({store.dialect})")
    store.close()


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in Chinese or English")],
    top_k: Annotated[int, typer.Option(min=1, max=10)] = 3,
) -> None:
    """Answer a question from the FAQ, with score and source."""
    if not question.strip():
        raise _fail('the question is empty; write it in quotes: helpdesk ask "445端口能用吗"')
    result = _open_retriever(get_settings()).ask(question, top_k)
    top = result.answer
    if top:
        console.print(f"[bold]{top.entry.question}[/bold]  (confidence {result.confidence:.2f}, score {top.score:.3f})")
        console.print(Markdown(top.entry.answer))
        console.print(f"source: {top.entry.source_url}")
    else:
        console.print(f"[yellow]Not sure (confidence {result.confidence:.2f}). Did you mean:[/yellow]")
        for c in result.candidates:
            console.print(f"  {c.score:.3f}  {c.entry.question}  [dim]{c.entry.id}[/dim]")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (HELPDESK_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (HELPDESK_PORT)")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes (HELPDESK_WORKERS)")] = None,
) -> None:
    """Run the HTTP service (knowledge, rules, widget)."""
    import uvicorn

    settings = get_settings()
    worker_count = workers or settings.workers
    # Check (and, with HELPDESK_AUTO_BUILD, rebuild) the index once, here, before any
    # worker starts: a refused start then exits non-zero with the reason instead of each
    # worker failing on its own, and several workers never race to rebuild it.
    _open_retriever(settings, rebuild=settings.auto_build)
    _migrate_store(settings)
    _warn_open_internal_routes(settings, host or settings.host)
    if worker_count > 1:
        _prepare_multiprocess_metrics(settings)
    uvicorn.run(
        "api.asgi:app",
        host=host or settings.host,
        port=port or settings.port,
        workers=worker_count,
        log_level=settings.log_level,
        factory=False,
    )


def _migrate_store(settings: Settings) -> None:
    """Reach the deflection store and migrate it once before the workers start.

    A malformed URL or a failed migration refuses the start; a database that does not
    answer (yet) does not: the workers start without it and keep trying (deflection/availability.py).
    """
    from deflection import DatabaseUnreachableError, DeflectionError, DeflectionStore

    try:
        DeflectionStore(settings.effective_database_url).close()
    except DatabaseUnreachableError as e:
        console.print(f"[yellow]warning:[/yellow] {e}; starting without it (answers and rules work), retrying")
    except DeflectionError as e:
        raise _fail(str(e)) from e


def _warn_open_internal_routes(settings: Settings, host: str) -> None:
    """Bound beyond loopback with the bot's tokens only in local files: a bot on another machine
    cannot have them (its turn records and hand-offs would be refused)."""
    import ipaddress

    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    if loopback:
        return
    local = [
        name
        for name, secret in (
            ("HELPDESK_EVENTS_TOKEN", settings.events_token),
            ("HELPDESK_HANDOFF_TOKEN", settings.handoff_token),
        )
        if secret is None or not secret.get_secret_value()
    ]
    if local:
        console.print(
            f"[yellow]warning:[/yellow] listening on {host} with {' and '.join(local)} unset: the app asks for the "
            f"local tokens in {settings.data_dir / 'secrets'}; a bot on another machine needs them: set both "
            "variables to the same values on every machine"
        )


def _prepare_multiprocess_metrics(settings: Settings) -> None:
    """With several workers, /metrics must add up every worker: give prometheus-client a
    fresh directory (``PROMETHEUS_MULTIPROC_DIR``) unless one is set, emptied at each start."""
    import os
    import shutil

    if settings.metrics_multiproc_dir is not None:
        return
    directory = (settings.data_dir / "prometheus-multiproc").resolve()
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


@app.command("eval")
def eval_command(
    path: Annotated[Path, typer.Argument(help="Labelled .jsonl set")] = DEFAULT_EVAL,
    show_misses: Annotated[bool, typer.Option("--misses")] = False,
) -> None:
    """Top-1 accuracy, MRR and out-of-scope rejection, split by language."""
    from index import EvaluationDataError
    from index.evaluation import evaluate
    from index.labelled import load_labelled

    retriever = _open_retriever(get_settings())
    try:
        queries = load_labelled(path, {e.id for e in retriever.kb.entries})
    except EvaluationDataError as e:
        raise _fail(str(e)) from e
    slices = evaluate(retriever, queries)
    table = Table(
        "lang",
        "in-scope",
        "top-1 acc",
        "MRR",
        "answered right",
        "answered wrong",
        "out-of-scope",
        "rejected",
        title=f"{path} ({len(queries)} queries)",
    )
    for lang in sorted(slices, key=lambda k: (k == "all", k)):
        s = slices[lang]
        table.add_row(
            lang,
            str(s.in_scope),
            f"{s.top1_accuracy:.1%}",
            f"{s.mrr:.3f}",
            f"{s.answered_accuracy:.1%}",
            str(s.answered_wrong),
            str(s.out_of_scope),
            f"{s.rejection:.1%}",
        )
    console.print(table)
    if show_misses:
        for miss in slices["all"].misses:
            console.print(f"  {miss}")


@app.command("eval-diagnosis")
def eval_diagnosis(
    path: Annotated[Path, typer.Argument(help="Labelled .jsonl conversations")] = DEFAULT_DIAGNOSIS_EVAL,
    show_misses: Annotated[bool, typer.Option("--misses")] = False,
) -> None:
    """Troubleshooting: cause accuracy and first-check accuracy, split by language."""
    from diagnosis import Diagnoser, DiagnosisError
    from diagnosis.devset import evaluate, load_devset
    from knowledge import KnowledgeError, load_knowledge

    try:
        diagnoser = Diagnoser.from_knowledge(load_knowledge(get_settings().knowledge_dir))
        cases = load_devset(path, diagnoser)
        scores = evaluate(diagnoser, cases)
    except (KnowledgeError, DiagnosisError) as e:
        raise _fail(str(e)) from e
    table = Table(
        "lang", "cause acc", "causes", "first-check acc", "first checks", title=f"{path} ({len(cases)} cases)"
    )
    for lang in sorted(scores, key=lambda k: (k == "all", k)):
        s = scores[lang]
        table.add_row(
            lang,
            f"{s.cause_accuracy:.1%}",
            f"{s.cause_right}/{s.cause_total}",
            f"{s.check_accuracy:.1%}",
            f"{s.check_right}/{s.check_total}",
        )
    console.print(table)
    if show_misses:
        for miss in scores["all"].misses:
            console.print(f"  {miss}")


secrets_app = typer.Typer(help="The tokens the app, Rasa and the action server share on this machine.")
app.add_typer(secrets_app, name="secrets")


@secrets_app.command("ensure")
def secrets_ensure() -> None:
    """Make the local token files the default run shares (var/secrets/, mode 0600) unless they exist.

    Prints where they are, never what they hold. Tokens set in the environment win over them.
    """
    from helpdesk.local_secrets import ensure_local_tokens

    for field, path in ensure_local_tokens(get_settings().data_dir).items():
        console.print(f"{field}: {path}")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def bench(
    ctx: typer.Context,
    names: Annotated[list[str] | None, typer.Argument(help="Benchmarks to run (default: the quick ones; all)")] = None,
    list_: Annotated[bool, typer.Option("--list", help="What each benchmark measures")] = False,
) -> None:
    """Run the benchmarks (benchmarks/run.py); each prints its own figures. Extra options go to them."""
    from benchmarks.run import main as run_benchmarks

    argv = [*(names or []), *ctx.args, *(["--list"] if list_ else [])]
    raise typer.Exit(run_benchmarks(argv))


def main() -> None:
    app()
