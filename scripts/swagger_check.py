"""Check Swagger UI under the API Gateway stage, in headless Chromium, through the local gateway.

Opens /<stage>/api/docs, waits for Swagger UI to render the operations, signs in with
"Try it out" on POST /api/auth/token, pastes the access token into Authorize, then runs
"Try it out" on GET /api/todos (200) and POST /api/todos (201), and checks that every
request the page made stayed under /<stage>/. Prints what the browser saw; exits 1 when a
check fails. Needs Debian's chromium and chromium-driver. Usage:

    make swagger-check     # or: uv run python scripts/swagger_check.py --port 3000
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
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
class Exchange:
    """One "Try it out": the operation, the URL it called, and what came back."""

    operation: str
    request_url: str = ""
    curl: str = ""
    status: int = 0
    body: str = ""


@dataclass
class SwaggerVisit:
    """What the browser saw: title, operations, network responses and each "Try it out"."""

    title: str = ""
    operations: list[str] = field(default_factory=list)
    responses: list[tuple[int, str]] = field(default_factory=list)  # (status, URL), in order
    failures: list[str] = field(default_factory=list)  # requests that got no response at all
    exchanges: list[Exchange] = field(default_factory=list)
    gave_up_waiting_for: str | None = None

    def exchange(self, operation: str) -> Exchange:
        """Return the "Try it out" of an operation (an empty one if it never ran)."""
        return next((e for e in self.exchanges if e.operation == operation), Exchange(operation))


# What the check does, in order, and the status each "Try it out" must answer.
EXPECTED = {"create_token": 200, "list_todos": 200, "create_todo": 201}


def chromium_missing() -> str | None:
    """Return why the browser check cannot run here, or None when it can."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    if missing:
        return f"{' and '.join(missing)} not installed: apt-get install chromium chromium-driver"
    return None


def visit_swagger(
    docs_url: str, *, email: str, password: str, screenshot: Path | None = None
) -> SwaggerVisit:
    """Open Swagger UI at docs_url and use it as a person would: sign in with "Try it out"
    on create_token, paste the access token into Authorize, then list and create todos."""
    from selenium import webdriver
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
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

    def click(element: Any) -> None:
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()

    def try_it_out(operation: str, body: dict[str, str] | None = None) -> Exchange:
        block = f"[id$='-{operation}']"
        click(find(operation, f"{block} .opblock-summary", ec.element_to_be_clickable))
        click(
            find(f"Try it out on {operation}", f"{block} .try-out__btn", ec.element_to_be_clickable)
        )
        if body is not None:
            editor = find(f"the body of {operation}", f"{block} textarea.body-param__text")
            editor.send_keys(Keys.CONTROL, "a")
            editor.send_keys(Keys.DELETE)
            editor.send_keys(json.dumps(body))
        click(find(f"Execute on {operation}", f"{block} .btn.execute", ec.element_to_be_clickable))
        live = find(
            f"the live response of {operation}",
            f"{block} .live-responses-table tr.response",
            ec.visibility_of_element_located,
        )
        exchange = Exchange(
            operation=operation,
            request_url=driver.find_element(By.CSS_SELECTOR, f"{block} .request-url pre").text,
            curl=driver.find_element(By.CSS_SELECTOR, f"{block} .curl-command").text,
            status=int(live.find_element(By.CSS_SELECTOR, ".response-col_status").text),
            body=live.find_element(By.CSS_SELECTOR, ".microlight").text,
        )
        visit.exchanges.append(exchange)
        return exchange

    def authorize(access_token: str) -> None:
        click(
            find("the Authorize button", ".auth-wrapper .btn.authorize", ec.element_to_be_clickable)
        )
        field_ = find("the access token field", ".modal-ux input", ec.visibility_of_element_located)
        field_.send_keys(access_token)
        click(
            find("Authorize", ".modal-ux .auth-btn-wrapper .authorize", ec.element_to_be_clickable)
        )
        click(find("Close", ".modal-ux .btn-done", ec.element_to_be_clickable))

    live = None
    try:
        driver.get_log("performance")  # drop what the browser itself loaded on start-up
        driver.get(docs_url)
        find("the operations", ".opblock")
        visit.title = driver.title
        summaries = driver.find_elements(By.CSS_SELECTOR, ".opblock-summary")
        visit.operations = [" ".join(summary.text.split()) for summary in summaries]
        signed_in = try_it_out("create_token", {"email": email, "password": password})
        authorize(json.loads(signed_in.body)["access_token"])
        try_it_out("list_todos")
        try_it_out("create_todo")
        live = driver.find_element(By.CSS_SELECTOR, "[id$='-create_todo'] .live-responses-table")
        visit.gave_up_waiting_for = None
    except (TimeoutException, KeyError, ValueError):
        pass  # what the page did load and answer says why
    finally:
        if screenshot:  # from the title down to the last live response
            bottom = "return arguments[0].getBoundingClientRect().bottom + window.scrollY + 24"
            if live is not None:
                driver.execute_script("window.scrollTo(0, 0)")
                driver.set_window_size(1280, int(driver.execute_script(bottom, live)))
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
    tried = {exchange.request_url for exchange in visit.exchanges}
    for status, url in visit.responses:
        if not url.startswith(base_url + "/"):
            found.append(f"{url} is outside {base_url}/")
        if status >= 400 or (status != 200 and url not in tried):
            found.append(f"{url} answered {status}")
    found += [f"{failure} got no response" for failure in visit.failures]
    if not any(url.endswith("/api/openapi.json") for _, url in visit.responses):
        found.append("openapi.json was never loaded")
    for operation, status in EXPECTED.items():
        exchange = visit.exchange(operation)
        if not exchange.request_url.startswith(base_url + "/api/"):
            found.append(f"Try it out on {operation} called {exchange.request_url!r}")
        if exchange.status != status:
            found.append(f"Try it out on {operation} answered {exchange.status}: {exchange.body}")
    if "Authorization: Bearer " not in visit.exchange("list_todos").curl:
        found.append("Try it out on list_todos sent no access token after Authorize")
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
    from core.identity.models import UserModel

    # A throwaway account, deleted with its todos at the end: the database stays as it was.
    email, password = f"swagger-check-{secrets.token_hex(4)}@example.com", secrets.token_urlsafe(16)
    with running_gateway(handler, stage=args.stage, port=args.port) as base_url:
        register = urllib.request.Request(  # noqa: S310 (our own local URL)
            f"{base_url}/api/auth/register",
            data=json.dumps({"email": email, "password": password}).encode(),
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(register).close()  # noqa: S310
        try:
            visit = visit_swagger(
                f"{base_url}/api/docs", email=email, password=password, screenshot=args.screenshot
            )
        finally:
            UserModel.objects.filter(email=email).delete()
    print("Operations:", *visit.operations, sep="\n  ")
    print("The browser's requests:")
    for status, url in visit.responses:
        print(f"  {status} {url}")
    for exchange in visit.exchanges:
        print(f"Try it out: {exchange.operation} {exchange.request_url} -> {exchange.status}")
    print(f"Screenshot: {args.screenshot}")
    found = problems(visit, base_url)
    print("\n".join(found) or f"Swagger UI works under /{args.stage}/.")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
