"""`kpp`: compute KPP periods from the command line through the same Dagster definitions the UI loads."""

from __future__ import annotations

import argparse
import atexit
import contextlib
import gc
import json
import os
import sys
import threading
import time
from datetime import date
from pathlib import Path

import duckdb

from kpp.landing.reader import mask_personnummer
from kpp.periods import period_for_key
from kpp.settings import (
    CSV_DIALECTS,
    EXPORT_DIALECTS,
    FIRST_YEAR_ENV,
    KEY_ENV,
    KEY_FILE_ENV,
    LAST_YEAR_ENV,
    DataRoot,
    Settings,
    SettingsError,
    period_years,
)
from orchestration.instance import prepare_instance

EXIT_FAILED_GATE = 1
EXIT_BAD_USAGE = 2
GC_THRESHOLD = (10_000, 10, 10)  # the garbage collector of the `kpp` command (console_main says why)


_bar_shown = False  # the console's last line is a progress bar, to be overwritten


def _say(message: str) -> None:
    # every console line passes here: a value shaped like a personnummer never shows
    global _bar_shown
    prefix = "\r\x1b[2K" if _bar_shown else ""
    _bar_shown = False
    print(f"{prefix}[{time.strftime('%H:%M:%S')}] {mask_personnummer(message)}", file=sys.stderr, flush=True)


def _progress_bar(step: str, done: int, total: int, running: str) -> None:
    """One line, redrawn in place: only on a terminal (the run log has the node lines)."""
    global _bar_shown
    width = 30
    filled = width * done // max(total, 1)
    line = f"{step} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {running}"
    sys.stderr.write("\r\x1b[2K" + line[:100])
    sys.stderr.flush()
    _bar_shown = True


def _prepare(root: DataRoot, *years: int) -> None:
    """Dagster for one process: the data root, partitions covering `years`, the instance home."""
    from orchestration.housekeeping import DataRootError

    try:
        root.path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataRootError(f"cannot create the data root {root.path} ({exc.strerror}): give a --data-root this user "
                            "may write to.") from None
    # The partitions are fixed when the definitions load (orchestration/partitions.py): a process that
    # has not loaded them yet widens its range to the years asked for.
    if "orchestration.partitions" not in sys.modules:
        first, last = period_years()
        os.environ[FIRST_YEAR_ENV], os.environ[LAST_YEAR_ENV] = str(min(first, *years)), str(max(last, *years))
    prepare_instance(Path(os.environ.setdefault("DAGSTER_HOME", str(root.path / "dagster_home"))))


def _run_config(settings: Settings) -> dict:
    """The run's options as the run's config, as the UI's launchpad sets them; the console logger quiet."""
    options = {"data_root": str(settings.data_root.path), "csv_dialect": settings.csv_dialect,
               "export_dialect": settings.export_dialect, "parquet": settings.parquet, "demo": settings.demo,
               "agreement": str(settings.agreement) if settings.agreement else None}
    return {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
            "resources": {"warehouse": {"config": options}}}


def _say_failure(root: DataRoot, note: str, result, log_path: Path) -> None:
    """The failure note's reasons (the run wrote the note: orchestration/failure_note.py), on the console."""
    from kpp.exports import failure_note
    from orchestration.failure_note import failure_reasons

    failures = [(event.step_key, event.step_failure_data.error) for event in result.all_events if event.is_step_failure]
    for reason in failure_reasons(root, note, failures) or [f"see the run log {log_path}"]:
        _say(reason)
    if failures and (path := failure_note(root.exports_dir(note))).is_file():  # the hook runs after a failed step
        _say(f"wrote {path}")


def run_periods(partition_keys: list[str], data_root: str | None = None, csv_dialect: str | None = None,
                export_dialect: str | None = None, parquet: bool | None = None, agreement: str | None = None,
                demo: bool = False) -> int:
    """`kpp run PARTITION [PARTITION …]`: each period in the order given, stopping at the first that
    fails, then the uses once over everything published (a backfill recomputes them once, not per period)."""
    from orchestration.housekeeping import exclusive

    periods = [period_for_key(key) for key in partition_keys]
    if len({p.key for p in periods}) < len(periods):
        raise ValueError(f"a period is given twice: {' '.join(partition_keys)}")
    # every setting read and checked once, before anything is created
    settings = Settings.load(data_root, csv_dialect=csv_dialect, export_dialect=export_dialect, parquet=parquet,
                             agreement=agreement, demo=True if demo else None)
    root = settings.data_root
    for period in periods:
        if not root.landing_dir(period.key).is_dir():
            # before any Dagster run or file: a typo in the data root must not become a skeleton warehouse
            _say(f"error: no delivery for {period.key}: {root.landing_dir(period.key)} does not exist "
                 "(put the eight extracts there; README)")
            return EXIT_BAD_USAGE
    with exclusive(root, " ".join(p.key for p in periods), _say):
        _prepare(root, *(p.year for p in periods))  # the partitions cover every period asked for
        code, published = 0, []
        for n, period in enumerate(periods):
            if code := _run_locked(period, settings):
                if later := [p.key for p in periods[n + 1:]]:
                    _say(f"not run, as {period.key} failed: {' '.join(later)}")
                break
            published.append(period.key)
        if not published:
            return code
        # spec §7.4: the uses span the published periods; every publish recomputes them (also when a
        # later period of the command failed)
        uses = _run_uses(settings)
        return code or uses


def _run_locked(period, settings: Settings) -> int:
    from kpp.landing.pseudonym import MissingKeyError, demo_key_allowed, resolve_key
    from orchestration.housekeeping import check_warehouse, clear_stale, prune

    root = settings.data_root
    _prepare(root, period.year)
    try:
        key = resolve_key(allow_demo=demo_key_allowed(root.landing_dir(period.key), settings.demo))
    except MissingKeyError as exc:
        _say(f"error: {exc}")
        return EXIT_BAD_USAGE
    check_warehouse(root)  # also: no other process has it open, so clear_stale may remove spill files

    from dagster import DagsterInstance

    # disposed at the end: its SQLite databases are checkpointed and closed here, not by Python's teardown
    with DagsterInstance.get() as instance:
        clear_stale(root, instance, _say)
        _say(f"KPP {period.key} ({period.kind}, {period.start} .. {period.end} exclusive), data root {root.path}, "
             f"pseudonym key fingerprint {key.fingerprint}")
        try:
            return _execute(settings, period, instance)
        finally:
            try:
                prune(root, instance, period.key, settings.keep_runs)
            except OSError as exc:  # history left as it is never costs a run its result
                _say(f"warning: could not prune old runs of {period.key}: {exc}")


def _execute(settings: Settings, period, instance) -> int:
    """The period's job in this process, its output in the run log; what failed, when it fails."""
    from kpp.progress import set_console
    from orchestration.definitions import defs
    from orchestration.housekeeping import run_tags
    from orchestration.partitions import period_partitions

    root = settings.data_root
    if not period_partitions.has_partition_key(period.key):  # the definitions were loaded before, for other years
        raise SettingsError(f"{period.key} is not among the partitions this process loaded "
                            f"({FIRST_YEAR_ENV}..{LAST_YEAR_ENV}): set them to cover {period.year}.")

    log_path = root.path / "logs" / f"kpp-{period.key}-{time.strftime('%Y%m%d-%H%M%S')}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.touch()  # it exists when it is announced (a reader may open it at once)
    _say(f"dbt and Dagster output: {log_path}")
    set_console(_say, _progress_bar if sys.stderr.isatty() else None)
    started = time.monotonic()
    # dbt's console output goes to the run log; the console shows step progress.
    with log_path.open("w", encoding="utf-8") as log, contextlib.redirect_stdout(log):
        result = defs.resolve_job_def("kpp_period").execute_in_process(
            partition_key=period.key,
            instance=instance,
            tags=run_tags(root),
            raise_on_error=False,
            run_config=_run_config(settings),
        )
    set_console(None)
    if not result.success:
        _say(f"KPP {period.key} FAILED after {time.monotonic() - started:.0f} s; no exports written for this run.")
        _say_failure(root, period.key, result, log_path)
        return EXIT_FAILED_GATE
    summary = json.loads((root.exports_dir(period.key) / "summary.json").read_text(encoding="utf-8"))
    _say(f"KPP {period.key} done in {time.monotonic() - started:.0f} s; exports in {root.exports_dir(period.key)}")
    _print_summary(summary)
    return 0


def _run_uses(settings: Settings) -> int:
    """Job kpp_uses: productivity and reimbursement over every published period, into exports/uses/."""
    from dagster import DagsterInstance

    from kpp.progress import set_console
    from orchestration.assets.uses import USES_EXPORTS_DIR
    from orchestration.definitions import defs

    root = settings.data_root
    target = root.exports_dir(USES_EXPORTS_DIR)
    log_path = root.path / "logs" / f"kpp-uses-{time.strftime('%Y%m%d-%H%M%S')}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.touch()
    _say(f"uses across the published periods (spec §7); dbt and Dagster output: {log_path}")
    set_console(_say)
    started = time.monotonic()
    with (log_path.open("w", encoding="utf-8") as log, contextlib.redirect_stdout(log),
          DagsterInstance.get() as instance):
        result = defs.resolve_job_def("kpp_uses").execute_in_process(
            instance=instance,
            raise_on_error=False,
            run_config=_run_config(settings),
        )
    set_console(None)
    if not result.success:
        _say(f"uses FAILED after {time.monotonic() - started:.0f} s; exports/uses/ not updated "
             "(the period itself is published and exported).")
        _say_failure(root, USES_EXPORTS_DIR, result, log_path)
        return EXIT_FAILED_GATE
    summary = json.loads((target / "summary.json").read_text(encoding="utf-8"))
    _say(f"uses done in {time.monotonic() - started:.0f} s; exports in {target}")
    _print_uses_summary(summary)
    return 0


def _print_uses_summary(summary: dict) -> None:
    trend = "; ".join(f"{p} {v['current']:,.0f} ({v['fixed']:,.0f} fixed)" if v["fixed"] is not None else f"{p} {v['current']:,.0f}"
                      for p, v in summary["somatic_cost_per_point"].items())
    print(f"uses: published {', '.join(summary['published'])}; somatic cost per DRG point: {trend or 'n/a'}", flush=True)
    for partition, buyers in summary["invoiced_per_buyer_region"].items():
        print(f"  invoiced {partition}: " + "; ".join(f"{b} {a:,.2f} SEK" for b, a in buyers.items()), flush=True)


def run_uses(data_root: str | None = None, agreement: str | None = None) -> int:
    """`kpp uses`: recompute the uses from what is published, without running a period."""
    from orchestration.housekeeping import exclusive

    settings = Settings.load(data_root, agreement=agreement)
    _prepare(settings.data_root, settings.last_year)
    with exclusive(settings.data_root, "uses", _say):
        return _run_uses(settings)


def _print_summary(summary: dict) -> None:
    cpp = summary["cost_per_drg_point"]
    print(
        f"{summary['partition']}: production cost {summary['production_cost']:,.2f} SEK; "
        f"{summary['contacts_costed']:,} contacts costed ({summary['contacts_cost']:,.2f} SEK); "
        f"unmatched share {summary['unmatched_share']:.2%}; "
        + (f"cost per DRG point {cpp:,.0f} SEK" if cpp is not None else "cost per DRG point n/a"),
        flush=True,
    )


def demo(data_root: str | None) -> int:
    from kpp.landing.generated_marker import check_overwritable, is_generated
    from kpp_synthetic.generator import generate

    root = DataRoot.resolve(data_root)
    # never touch a real delivery: every landing folder must be the generator's
    landing = root.path / "landing"
    folders = sorted(p for p in landing.iterdir() if p.is_dir()) if landing.is_dir() else []
    for folder in folders:
        check_overwritable(folder)
    # a warehouse or exports without generated landing folders are a real region's results
    if root.path.is_dir() and any(root.path.iterdir()) and not any(is_generated(f) for f in folders):
        _say(f"error: {root.path} is not empty and holds no generated demo data; the demo never writes into it. "
             "Use an empty or new --data-root.")
        return EXIT_BAD_USAGE
    if KEY_ENV not in os.environ and not os.environ.get(KEY_FILE_ENV):
        _say("demo: using the built-in demo pseudonymisation key (synthetic data only; never accepted for real data)")
    if not (is_generated(root.landing_dir("2025")) and is_generated(root.landing_dir("2025-H1"))):
        _say(f"demo: generating the demo region (two hospitals, year 2025) in {root.path / 'landing'}")
        generate("demo", 2025, root.path, progress=lambda m: _say(f"demo: {m}"))
    # the demo key, for these runs only (and only on the generator's folders)
    return run_periods(["2025-H1", "2025"], str(root.path), demo=True)


def generate_data(size: str, year: int, data_root: str | None, seed: int, dirty: float) -> int:
    from kpp_synthetic.generator import generate

    root = DataRoot.resolve(data_root).path
    result = generate(size, year, root, seed=seed, dirty=dirty, progress=_say)
    _say(f"generated {size} data for {year}-H1 and {year} under {root / 'landing'}")
    print(json.dumps(result, indent=2, default=str))
    return 0


def _agreement_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--agreement", metavar="FILE",
                        help="agreement parameters for this run, laid over <data root>/agreement.yml (docs/uses.md)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kpp",
        description="KPP (Kostnad Per Patient): cost every care contact and patient from a region's ledger, "
        "registers and production data, in four steps (TKB → allocation → calculation → matching).",
        epilog="Data root: --data-root, else $KPP_DATA_ROOT, else ./data. "
        "Pseudonymisation key: $KPP_PSEUDONYM_KEY or a file named by $KPP_PSEUDONYM_KEY_FILE.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="compute one KPP period (or several, in order) and write its exports",
        description="Materialise every asset of one period (landing → four steps → results → published → exports) through the "
        "Dagster definitions the UI loads. Reads <data root>/landing/PARTITION/, writes <data root>/exports/PARTITION/. "
        "Several periods run one after the other (a backfill), stopping at the first that fails; then the uses "
        "across the published periods run once. "
        "Exits 1 naming the gate and the offending values when a check fails (no exports are written then), "
        "2 on bad usage, a missing key or a missing landing folder (then nothing is created).",
    )
    run.add_argument("partition", metavar="PARTITION", nargs="+",
                     help="the period: YYYY-H1 (temp KPP, Jan–Jun) or YYYY (full-year KPP); several run one after "
                     "the other (a backfill), then the uses once")
    run.add_argument("--data-root", metavar="DIR", help="folder holding landing/ (default $KPP_DATA_ROOT or ./data)")
    run.add_argument("--csv-dialect", choices=CSV_DIALECTS,
                     help="CSV dialect of the landing files: standard (',' and '.'), swedish (';' and decimal comma), "
                     "or auto: detected per file from its header (default: $KPP_CSV_DIALECT, else auto)")
    run.add_argument("--export-dialect", choices=EXPORT_DIALECTS,
                     help="CSV dialect of the exports: contract (',' and '.', UTF-8; the default) or swedish (';', decimal "
                     "comma, UTF-8 with BOM, SANT/FALSKT: opens in a Swedish Excel); default: $KPP_EXPORT_DIALECT, else "
                     "the data root's kpp.toml [exports] dialect, else contract (docs/deliverables.md)")
    run.add_argument("--parquet", action=argparse.BooleanOptionalAction, default=None,
                     help="also write each export as Parquet beside its CSV (default: $KPP_EXPORT_PARQUET, else "
                     "kpp.toml [exports] parquet, else no)")
    _agreement_option(run)

    uses = sub.add_parser(
        "uses",
        help="recompute productivity and reimbursement across the published periods",
        description="Run job kpp_uses (spec §7): cost per DRG point over years and hospital types, MDC cost shares, "
        "the comparison ladder, invoices between regions and their follow-up, from every published period of the data "
        "root, gated by expectations_uses, into <data root>/exports/uses/. `kpp run` does this after every publish.",
    )
    uses.add_argument("--data-root", metavar="DIR", help="the data root (default $KPP_DATA_ROOT or ./data)")
    _agreement_option(uses)

    demo_cmd = sub.add_parser(
        "demo",
        help="generate the built-in demo region and compute 2025-H1 and 2025",
        description="Generate a small deterministic demo region (two hospitals, a few thousand contacts) unless it is "
        "already there, then run the temp KPP 2025-H1 and the full-year KPP 2025 and print a summary of each.",
    )
    demo_cmd.add_argument("--data-root", metavar="DIR", help="where to put the demo (default $KPP_DATA_ROOT or ./data)")

    gen = sub.add_parser(
        "generate",
        help="write synthetic landing folders (demo, medium or region size)",
        description="Write realistic synthetic landing folders for YEAR-H1 and YEAR under <data root>/landing/.",
    )
    gen.add_argument("--size", choices=["demo", "medium", "region"], default="demo", help="how big (default demo)")
    gen.add_argument("--year", type=int, default=2025, help="the KPP year (default 2025)")
    gen.add_argument("--data-root", metavar="DIR", help="where to write (default $KPP_DATA_ROOT or ./data)")
    gen.add_argument("--seed", type=int, default=42, help="random seed; the same seed gives the same files (default 42)")
    gen.add_argument("--dirty", type=float, default=0.0, metavar="RATE",
                     help="share of deliberately messy rows: unmatched events, reserve numbers, late ledger rows, duplicates (default 0)")

    status = sub.add_parser(
        "status",
        help="show the KPP calendar: each milestone's date, whether it is done, and what is late",
        description="For the current cycles (last year's full-year KPP, run January–April, and this year's temp KPP, "
        "run June–October) list every milestone of seeds/kpp_calendar.csv with its date and whether the step it stands "
        "for is done: its assets materialised for the period and no gate failed, with when, read from the Dagster "
        "instance ($DAGSTER_HOME, else <data root>/dagster_home). Milestones not done after their date are late.",
    )
    status.add_argument("--data-root", metavar="DIR", help="data root whose Dagster instance to read (default $KPP_DATA_ROOT or ./data)")
    status.add_argument("--date", type=date.fromisoformat, metavar="YYYY-MM-DD",
                        help="show the calendar as on this day (default today, Europe/Stockholm)")
    status.add_argument("--partition", action="append", metavar="PARTITION",
                        help="show this period's cycle instead of the current ones (repeatable)")

    explain = sub.add_parser(
        "explain",
        help="print the cost trace of one contact: items, unit costs, pools, overhead sources, ledger rows",
        description="Trace one vårdkontakt's cost in the kostnadslista back through the method: its events × "
        "styckkostnad and särkostnader × omräkningsfaktor (the dbt model marts.cost_trace), the kostnadspool and "
        "kostnadsslag behind each unit cost, the overhead centres the indirect part came from, and with --ledger the "
        "ledger rows (month × cost centre × account) with the contact's part of each. Every level sums to the "
        "contact's total_cost; exits 1 if it does not, or if the contact is not in the period's cost list.",
    )
    explain.add_argument("contact_id", metavar="CONTACT_ID", help="the contact_id in the cost list")
    explain.add_argument("--partition", required=True, metavar="PARTITION", help="the period: YYYY-H1 or YYYY")
    explain.add_argument("--data-root", metavar="DIR", help="data root of the run (default $KPP_DATA_ROOT or ./data)")
    explain.add_argument("--ledger", action="store_true", help="also walk down to the ledger rows (huvudbok)")
    explain.add_argument("--limit", type=int, default=40, metavar="N", help="ledger rows to print, largest first (default 40)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # exports, the warehouse, logs and the Dagster storage hold health data: owner only
    os.umask(0o077)
    try:
        if args.command == "run":
            return run_periods(args.partition, args.data_root, args.csv_dialect, args.export_dialect, args.parquet,
                              args.agreement)
        if args.command == "uses":
            return run_uses(args.data_root, args.agreement)
        if args.command == "demo":
            return demo(args.data_root)
        if args.command == "generate":
            return generate_data(args.size, args.year, args.data_root, args.seed, args.dirty)
        if args.command == "status":
            from dagster import DagsterInstance

            from orchestration.housekeeping import clear_stale_if_idle
            from orchestration.status import status_command

            root = DataRoot.resolve(args.data_root)
            if not root.path.is_dir():  # not created: a typo would otherwise show every milestone late
                _say(f"error: the data root {root.path} does not exist (--data-root, $KPP_DATA_ROOT or ./data)")
                return EXIT_BAD_USAGE
            _prepare(root, (args.date or date.today()).year)
            with DagsterInstance.get() as instance:
                clear_stale_if_idle(root, instance, _say)
            return status_command(root, args.date, args.partition)
        if args.command == "explain":
            from kpp.explain import explain_command

            return explain_command(args.data_root, args.contact_id, args.partition, args.ledger, args.limit)
    except ValueError as exc:
        _say(f"error: {exc}")
        return EXIT_BAD_USAGE
    except duckdb.Error as exc:  # a damaged or locked warehouse outside `kpp run`'s own check
        _say(f"error: the warehouse could not be read ({str(exc).splitlines()[0]}); if kpp.duckdb is damaged, move it "
             "away and run each period again (docs/data-protection.md).")
        return EXIT_BAD_USAGE
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        _say(f"error: {exc.strerror or exc}:{where}; check that the data root is on a writable disk with free space "
             "and that this user owns it.")
        return EXIT_BAD_USAGE
    return EXIT_BAD_USAGE


def console_main() -> None:
    """The `kpp` command: main() with a larger garbage-collector generation, then the exit handlers, then the end of
    the process without Python's teardown. Both save full collections over the 0.3–0.7 M objects dagster, dbt and
    GX keep alive (seconds per run: docs/benchmarks.md, sixth pass). Nothing of ours is open when main() returns
    (no DuckDB connection, the Dagster instances disposed); the exit handlers still flush the run log; a thread still
    working means a normal exit.
    """
    gc.set_threshold(*GC_THRESHOLD)
    code = main()
    if any(thread.is_alive() and not thread.daemon for thread in threading.enumerate()
           if thread is not threading.main_thread()):
        sys.exit(code)
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    console_main()
