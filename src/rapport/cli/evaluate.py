"""`rapport eval NAME [ARGS…]`: run one of the evaluations in the repository's eval/ folder with this Python.

The evaluations live beside the package (they read ../shared/datasets and are not shipped in a wheel); this door
finds them from a source checkout and passes every further argument through, e.g.
`rapport eval assistant --set stackfaq` or `rapport eval banking77 --only 0`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer

EVAL_DIR = Path(__file__).resolve().parents[3] / "eval"
PASS_THROUGH = {"allow_extra_args": True, "ignore_unknown_options": True}

app = typer.Typer(help="Run an evaluation from the repository's eval/ folder (arguments pass through).")


def _run(name: str, args: list[str]) -> None:
    script = EVAL_DIR / f"{name}.py"
    if not script.is_file():
        typer.secho(f"{script} not found: evaluations run from a source checkout of Rapport", err=True, fg="red")
        raise typer.Exit(2)
    raise typer.Exit(subprocess.call([sys.executable, str(script), *args]))


def _command(name: str, what: str) -> None:
    def run(ctx: typer.Context) -> None:
        _run(name, list(ctx.args))

    run.__doc__ = f"{what} (eval/{name}.py; `rapport eval {name} --help` for its options)."
    app.command(name, context_settings=PASS_THROUGH, add_help_option=False)(run)


for _name, _what in (
    ("assistant", "Retrieval MRR (BM25, dense, hybrid), answer faithfulness, abstention and latency of the assistant"),
    ("embeddings", "Retrieval quality of each embedder on the English and Chinese data sets"),
    ("banking77", "Banking77 intent accuracy of the fine-tuned classifier and its baseline, by cross-validation"),
    ("clinc150", "CLINC150 in-scope accuracy and out-of-scope recall"),
    ("cais", "CAIS (Chinese) intent accuracy and macro-F1"),
    ("dedupe", "Precision and recall of duplicate detection on generated customers"),
    ("routing", "Ticket routing against round robin on a simulated day"),
    ("telco_churn", "Churn model AUC on the Telco data set"),
    ("cdnow_bgnbd", "BG/NBD lifetime-value fit on CDNOW against the published parameters"),
    ("ask", "Ask Rapport: execution accuracy of question plans, refusals and latency, local model and server"),
    ("recommend_online_retail", "Recommender P@10/R@10/NDCG@10 on Online Retail (time split) against popularity"),
    ("recommend_movielens", "Recommender P@10 on MovieLens 100K u1-u5 against published results"),
    ("feedback_sentiment", "Sentiment accuracy (English, Chinese) of the feedback model against the lexicon, held out"),
    ("feedback_absa", "Aspect-term polarity accuracy on the SemEval-2014 gold test sets against published RoBERTa"),
    ("feedback_topics", "Topic coherence (NPMI) and the demo company's 20 largest topics with examples"),
    ("pii", "PII detection precision, recall and F2 per entity on Presidio's synthetic set (DEV and TEST halves)"),
    ("dp_error", "Error of the differentially private counts and sums against epsilon on the demo company"),
    ("guardrails", "Catch rate per kind of the marketing guardrails on bad messages; false rejections of good ones"),
):
    _command(_name, _what)
