"""The gate report: every suite of a period's latest gates on one self-contained HTML page.

GX's Data Docs load their CSS and JavaScript from public CDNs, so on a network without internet
their index lists nothing and every page is unstyled. This page carries its own styles and no
script: each gate check records its outcome (`<gx docs>/<period>/gates/<suite>.json`, the same
GateOutcome the check's metadata and the console show) and rewrites `<gx docs>/<period>/gates.html`
from the records; the exports copy it as `exports/<period>/gates.html`. Every expectation shows
its rule, severity, what it observed, its threshold and the offending keys. No value of a frame
with personal data is ever in an outcome (kpp/expectations.py), so none is here.
"""

from __future__ import annotations

import html
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from kpp.expectations import SUITES, GateOutcome, Suite

GATE_REPORT = "gates.html"
_RECORDS = "gates"
_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; margin: 2rem auto; max-width: 80rem;
       color: #1d2733; padding: 0 1rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: .6rem; font-size: .8rem; font-weight: 600; }
.passed { background: #d8f0dc; color: #15602b; } .failed { background: #fde2e1; color: #9b1c1c; }
.warned { background: #fff1c7; color: #7a5a00; } .missing { background: #e6e8eb; color: #444; }
table { border-collapse: collapse; font-size: .84rem; width: 100%; margin: .5rem 0 1rem; }
th, td { border: 1px solid #d5dae1; padding: .25rem .45rem; text-align: left; vertical-align: top; }
th { background: #e8eef5; } tr.failed td { background: #fdeceb; } tr.warned td { background: #fff8e1; }
code { font-size: .8rem; }
"""


def _records_dir(docs_dir: Path) -> Path:
    return docs_dir / _RECORDS


def _resolve(value: Any, params: dict[str, Any]) -> Any:
    if isinstance(value, dict) and "$PARAMETER" in value:
        return params.get(value["$PARAMETER"], f"${value['$PARAMETER']}")
    return value


def _condition(condition: dict | None) -> str:
    if not condition:
        return ""
    parts = [f"{c['column']['name']} {c['operator']} {c['parameter']}" for c in condition.get("conditions", [condition])
             if "column" in c]
    return " where " + f" {condition.get('type', 'and')} ".join(parts) if parts else ""


def threshold_text(kwargs: dict[str, Any], params: dict[str, Any]) -> str:
    """The expectation's limit in words: `0 ≤ unit_cost ≤ 60000 where service_group == bed_day`."""
    kw = {k: _resolve(v, params) for k, v in kwargs.items()}
    where = _condition(kw.pop("row_condition", None))
    column = kw.pop("column", None)
    if "min_value" in kw or "max_value" in kw:
        low, high = kw.pop("min_value", None), kw.pop("max_value", None)
        text = " ≤ ".join(str(x) for x in (low, column, high) if x is not None)
    elif "column_A" in kw:
        text = f"{kw.pop('column_A')} {'≥' if kw.pop('or_equal', False) else '>'} {kw.pop('column_B')}"
    else:
        text = column or ""
    rest = ", ".join(f"{k}={v}" for k, v in kw.items() if k not in ("batch_id", "mostly") and v is not None)
    return (text + (f" ({rest})" if rest else "") + where).strip() or "–"


def record_outcome(docs_dir: Path, outcome: GateOutcome, run_id: str, params: dict[str, Any]) -> Path:
    """Keep one gate's outcome for the gate report, with its thresholds as they were applied."""
    suite = Suite.load(outcome.suite)
    limits = {e["meta"]["rule"]: threshold_text(e["kwargs"], params) for e in suite.expectations}
    record = {
        "suite": outcome.suite, "title": suite.title, "run_id": run_id, "region": outcome.region,
        "validated_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "seconds": round(outcome.seconds, 3), "frame_rows": outcome.frame_rows,
        "rules": [{"rule": r.rule, "frame": r.frame, "severity": r.severity, "success": r.success,
                   "description": r.description, "observed": r.observed, "threshold": limits.get(r.rule, "–"),
                   "offending": list(r.offending)} for r in outcome.rules],
    }
    path = _records_dir(docs_dir) / f"{outcome.suite}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1, default=str), encoding="utf-8")
    return path


def _state(rule: dict) -> str:
    return "passed" if rule["success"] else "failed" if rule["severity"] == "error" else "warned"


def render(partition_key: str, records: dict[str, dict]) -> str:
    """The page of one period; `records` maps suite -> its latest outcome record."""
    latest_run = max(records.values(), key=lambda r: r["validated_at"])["run_id"] if records else None
    out = [f"<h1>Gates of KPP {html.escape(partition_key)}</h1>",
           f"<p>Latest run {html.escape(str(latest_run))}. Each gate is a Great Expectations suite that blocks the next "
           "step when an expectation of severity error fails (docs/gates.md).</p>",
           "<table><thead><tr><th>suite</th><th>stage</th><th>result</th><th>expectations</th><th>validated</th>"
           "<th>run</th></tr></thead><tbody>"]
    for suite in SUITES:
        r = records.get(suite)
        if r is None:
            out.append(f"<tr><td>{suite}</td><td></td><td><span class='badge missing'>not run</span></td>"
                       "<td></td><td></td><td></td></tr>")
            continue
        states = [_state(rule) for rule in r["rules"]]
        state = "failed" if "failed" in states else "warned" if "warned" in states else "passed"
        stale = "" if r["run_id"] == latest_run else " (an earlier run)"
        out.append(f"<tr class='{state if state != 'passed' else ''}'><td><a href='#{suite}'>{suite}</a></td>"
                   f"<td>{html.escape(r['title'])}</td><td><span class='badge {state}'>{state}</span></td>"
                   f"<td>{states.count('passed')} of {len(states)} passed</td><td>{html.escape(r['validated_at'])}</td>"
                   f"<td>{html.escape(r['run_id'])}{stale}</td></tr>")
    out.append("</tbody></table>")
    for suite in SUITES:
        r = records.get(suite)
        if r is None:
            continue
        out.append(f"<h2 id='{suite}'>{suite}: {html.escape(r['title'])}</h2>"
                   f"<p>Thresholds: {html.escape(r['region'])}; {r['seconds']} s; frames "
                   + ", ".join(f"{html.escape(f)} ({n} rows)" for f, n in r["frame_rows"].items()) + "</p>")
        out.append("<table><thead><tr><th>rule</th><th>severity</th><th>result</th><th>expectation</th><th>threshold</th>"
                   "<th>observed</th><th>offending (first rows)</th></tr></thead><tbody>")
        for rule in r["rules"]:
            state = _state(rule)
            offending = "<br>".join(html.escape(", ".join(f"{k}={v}" for k, v in row.items())) for row in rule["offending"][:5])
            out.append(f"<tr class='{state if state != 'passed' else ''}'><td><code>{html.escape(rule['rule'])}</code></td>"
                       f"<td>{rule['severity']}</td><td><span class='badge {state}'>{state}</span></td>"
                       f"<td>{html.escape(rule['description'])}</td><td><code>{html.escape(rule['threshold'])}</code></td>"
                       f"<td>{html.escape(rule['observed'])}</td><td>{offending}</td></tr>")
        out.append("</tbody></table>")
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<title>KPP {html.escape(partition_key)} gates</title><style>{_STYLE}</style></head><body>"
            + "\n".join(out) + "</body></html>\n")


def write_gate_report(docs_dir: Path, partition_key: str) -> Path:
    """Rewrite `<docs_dir>/gates.html` from the recorded outcomes of the period's suites."""
    records = {}
    for path in sorted(_records_dir(docs_dir).glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        records[record["suite"]] = record
    page = docs_dir / GATE_REPORT
    page.write_text(render(partition_key, records), encoding="utf-8")
    return page
