"""Check Swagger UI under the API Gateway stage, in headless Chromium, through the local gateway.

Opens /<stage>/api/docs, waits for Swagger UI to render the operations, checks that every
request the page made stayed under /<stage>/ and answered 200, then runs "Try it out" on
POST /api/todos and checks the live response. Prints what the browser saw; exits 1 when a
check fails. Needs Debian's chromium and chromium-driver. Usage:

    make swagger-check     # or: uv run python scripts/swagger_check.py --port 3000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1400",
)


@dataclass
class SwaggerVisit:
    """What the browser saw: page title, operations, network responses and "Try it out"."""

    title: str = ""
    operations: list[str] = field(default_factory=list)
    responses: list[tuple[int, str]] = field(default_factory=list)  # (status, URL), in order
    failures: list[str] = field(default_factory=list)  # requests that got no response at all
    request_url: str = ""
    response_code: int = 0
    response_body: str = ""
    gave_up_waiting_for: str | None = None


def chromium_missing() -> str | None:
    """Return why the browser check cannot run here, or None when it can."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    if missing:
        return f"{' and '.join(missing)} not installed: apt-get install chromium chromium-driver"
    return None


def visit_swagger(docs_url: str, screenshot: Path | None = None) -> SwaggerVisit:
    """Open Swagger UI at docs_url, run "Try it out" on create_todo, report what was seen."""
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    options.page_load_strategy = "eager"  # Swagger UI renders after DOMContentLoaded anyway
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    profile = tempfile.TemporaryDirectory(prefix="swagger-check-")
    options.add_argument(f"--user-data-dir={profile.name}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})  # network events
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    visit, wait = SwaggerVisit(), WebDriverWait(driver, 10, poll_frequency=0.05)

    def find(what: str, selector: str, ready: Any = ec.presence_of_element_located) -> Any:
        visit.gave_up_waiting_for = what
        return wait.until(ready((By.CSS_SELECTOR, selector)))

    try:
        driver.get_log("performance")  # drop what the browser itself loaded on start-up
        driver.get(docs_url)
        find("the operations", ".opblock")
        visit.title = driver.title
        summaries = driver.find_elements(By.CSS_SELECTOR, ".opblock-summary")
        visit.operations = [" ".join(summary.text.split()) for summary in summaries]
        find("create_todo", "[id$='-create_todo'] .opblock-summary").click()
        find("Try it out", ".try-out__btn", ec.element_to_be_clickable).click()
        find("Execute", ".btn.execute", ec.element_to_be_clickable).click()
        live = find(
            "the live response",
            ".live-responses-table tr.response",
            ec.visibility_of_element_located,
        )
        visit.response_code = int(live.find_element(By.CSS_SELECTOR, ".response-col_status").text)
        visit.response_body = live.find_element(By.CSS_SELECTOR, ".microlight").text
        visit.request_url = driver.find_element(By.CSS_SELECTOR, ".request-url pre").text
        visit.gave_up_waiting_for = None
        if screenshot:  # from the title down to the live response
            bottom = "return arguments[0].getBoundingClientRect().bottom + window.scrollY + 24"
            driver.set_window_size(1280, int(driver.execute_script(bottom, live)))
    except TimeoutException:
        pass  # what the page did load says why
    finally:
        if screenshot:
            driver.save_screenshot(str(screenshot))
        origin = "/".join(docs_url.split("/")[:3])
        visit.responses, visit.failures = _network(driver.get_log("performance"), origin)
        driver.quit()
        profile.cleanup()
    return visit


def problems(visit: SwaggerVisit, base_url: str) -> list[str]:
    """Return what is wrong with a visit to Swagger UI served under base_url (`.../dev`)."""
    found = []
    if visit.gave_up_waiting_for:
        found.append(f"Gave up waiting for {visit.gave_up_waiting_for}")
    if visit.title != "Todo API" or not visit.operations:
        found.append(f"Swagger UI did not render: title {visit.title!r}, {visit.operations}")
    for status, url in visit.responses:
        if not url.startswith(base_url + "/"):
            found.append(f"{url} is outside {base_url}/")
        if status >= 400 or (status != 200 and url != visit.request_url):
            found.append(f"{url} answered {status}")
    found += [f"{failure} got no response" for failure in visit.failures]
    if not any(url.endswith("/api/openapi.json") for _, url in visit.responses):
        found.append("openapi.json was never loaded")
    if not visit.request_url.startswith(base_url + "/api/"):
        found.append(f"Try it out called {visit.request_url}")
    if visit.response_code != 201:
        found.append(f"Try it out answered {visit.response_code}: {visit.response_body}")
    return found


def _network(log: list[dict[str, Any]], origin: str) -> tuple[list[tuple[int, str]], list[str]]:
    """Return the (status, URL) of each response to a page from origin, and what failed.

    Inline `data:` images and requests of other pages (the browser's own start page, say)
    are left out; a request from one of ours to another host is kept, and is a problem.
    """
    urls: dict[str, str] = {}
    responses, failures = [], []
    for entry in log:
        message = json.loads(entry["message"])["message"]
        method, params = message["method"], message.get("params", {})
        if method == "Network.requestWillBeSent":
            page, url = params.get("documentURL", ""), params["request"]["url"]
            if page.startswith(origin + "/") and url.startswith(("http:", "https:")):
                urls[params["requestId"]] = url
        elif params.get("requestId") not in urls:
            continue
        elif method == "Network.responseReceived":
            responses.append((int(params["response"]["status"]), params["response"]["url"]))
        elif method == "Network.loadingFailed":
            failures.append(f"{urls[params['requestId']]} ({params['errorText']})")
    return responses, failures


def main() -> None:
    """Serve the Lambda handler on the local gateway and check Swagger UI through it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=3000, help="0 picks a free port")
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--screenshot", type=Path, default=Path("/tmp/swagger-dev.png"))  # noqa: S108
    args = parser.parse_args()
    if reason := chromium_missing():
        sys.exit(reason)
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # the gateway's access lines are enough
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from scripts.local_api_gateway import production_like_settings, running_gateway

    production_like_settings()
    from config.aws_lambda.handler import handler

    with running_gateway(handler, stage=args.stage, port=args.port) as base_url:
        visit = visit_swagger(f"{base_url}/api/docs", args.screenshot)
        if visit.response_code == 201:  # leave the database as it was
            todo_id = json.loads(visit.response_body)["id"]
            delete = f"{base_url}/api/todos/{todo_id}"  # our own local URL:
            urllib.request.urlopen(urllib.request.Request(delete, method="DELETE")).close()  # noqa: S310
    print("Operations:", *visit.operations, sep="\n  ")
    print("The browser's requests:")
    for status, url in visit.responses:
        print(f"  {status} {url}")
    print(f"Try it out: POST {visit.request_url} -> {visit.response_code}")
    print(f"Screenshot: {args.screenshot}")
    found = problems(visit, base_url)
    print("\n".join(found) or f"Swagger UI works under /{args.stage}/.")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
