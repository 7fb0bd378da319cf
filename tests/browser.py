"""Headless Chromium (Debian's, driven by Selenium) for the browser tests: the UI, the report, the gate report.

Needs /usr/bin/chromium and /usr/bin/chromedriver: `scripts/install-browser` installs them (CI runs
it). A test module calls `skip_without_browser()` at import: without them it is skipped, except
under CI, where the `browser` fixture fails instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
MISSING = " and ".join(str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists())


def skip_without_browser() -> None:
    if MISSING and not os.environ.get("CI"):
        # at collection, before the session's `kpp run` of the worked example; under CI the test fails instead
        pytest.skip(f"{MISSING} missing: run scripts/install-browser", allow_module_level=True)


def start_browser(log_dir: Path, offline: bool = False):
    """A headless Chromium; `offline`: no network at all (name resolution, proxy and DevTools' emulation)."""
    if MISSING:  # only under CI (else the module is skipped): .ci/run installs the browser
        pytest.fail(f"{MISSING} missing: scripts/install-browser did not install them")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    arguments = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--window-size=1600,1000"]
    if offline:
        arguments += ["--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9", "--proxy-bypass-list=<-loopback>"]
    for argument in arguments:
        options.add_argument(argument)
    service = Service(str(CHROMEDRIVER), log_output=str(log_dir / "chromedriver.log"))
    driver = webdriver.Chrome(service=service, options=options)
    if offline:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                               {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    return driver
