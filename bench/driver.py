"""Invoke a Lambda handler in this process with the events API Gateway would send."""

from __future__ import annotations

import json
import secrets
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.apigateway_events import Gateway, LambdaContext

# The deployed REST API's execute-api URL, stage dev: request bodies arrive base64-encoded.
GATEWAY = Gateway("rest", "abc123defg.execute-api.eu-west-1.amazonaws.com", "dev")
CLIENT_IP = "198.51.100.7"
# What every request carries. A header every call needs (an Authorization header) goes
# into Invoker's `headers`; one that changes from call to call, into the call's own.
HEADERS = (("User-Agent", "bench"), ("Accept", "application/json"))
Header = tuple[str, str]
Operation = Callable[[int], Any]
# The five operations every database setup runs, which the speed tricks' rules look at.
BASE_OPERATIONS = ("list (100 rows)", "get", "create", "update", "delete")
# Their conditional twins (API.md "Conditional requests", "Idempotent creates"), each
# beside the base operation it is compared with.
CONDITIONAL_OPERATIONS = {
    "create (Idempotency-Key)": "create",
    "update (If-Match)": "update",
    "delete (If-Match)": "delete",
}


def rest_event(
    method: str, path: str, body: bytes = b"", headers: Sequence[Header] = HEADERS
) -> dict[str, Any]:
    """Return the REST API event of `method` on /dev<path>, as API Gateway's `/{proxy+}`
    resource sends it."""
    if body:
        headers = [*headers, ("Content-Type", "application/json")]
    return GATEWAY.event(
        method, f"{GATEWAY.prefix}{path}", headers=list(headers), body=body, source_ip=CLIENT_IP
    )


def bearer(token: str) -> Header:
    """Return the Authorization header that presents an access token."""
    return ("Authorization", f"Bearer {token}")


@dataclass(frozen=True)
class Answer:
    """What the handler answered: status, headers (lower-case names) and decoded body."""

    status: int
    headers: dict[str, str]
    body: Any


class Invoker:
    """Call a Lambda handler (the app's, unless given) as API Gateway would.

    Events are built once per method and reused with the path and body of each call, so
    the time measured is the handler's, not the event builder's (API Gateway builds the
    event outside the function). `headers` are sent with every call, after HEADERS; a
    call's own headers (an If-Match, an Idempotency-Key) are added to a copy of the
    event's header maps, not by building the event again.
    """

    def __init__(self, handler: Any = None, headers: Sequence[Header] = ()) -> None:
        if handler is None:
            from config.aws_lambda.handler import handler

        self.handler = handler
        self.headers = (*HEADERS, *headers)
        self.templates: dict[tuple[str, bool], dict[str, Any]] = {}
        self.calls = 0

    def event(
        self, method: str, path: str, body: bytes, headers: Sequence[Header] = ()
    ) -> dict[str, Any]:
        """Return the REST API event for `method` on /dev<path> with this JSON body, and
        `headers` besides those of every call."""
        key = (method, bool(body))
        if key not in self.templates:
            self.templates[key] = rest_event(method, path, body, self.headers)
        event = GATEWAY.retarget(self.templates[key], f"{GATEWAY.prefix}{path}", body=body)
        if headers:
            # retarget shares the template's header maps: extend copies of them.
            event["headers"] = {**event["headers"], **dict(headers)}
            event["multiValueHeaders"] = {
                **event["multiValueHeaders"],
                **{name: [value] for name, value in headers},
            }
        return event

    def request(
        self,
        method: str,
        path: str,
        payload: Any = None,
        expect: int = 200,
        headers: Sequence[Header] = (),
    ) -> Answer:
        """Send one request to /dev<path>; check its status and return the answer.

        :raises RuntimeError: when the status is not `expect`.
        """
        body = b"" if payload is None else json.dumps(payload).encode()
        result = self.handler(self.event(method, path, body, headers), LambdaContext())
        self.calls += 1
        if result["statusCode"] != expect:
            raise RuntimeError(f"{method} {path}: {result['statusCode']} {result['body'][:200]}")
        answered = {
            name.lower(): ", ".join(values)
            for name, values in (result.get("multiValueHeaders") or {}).items()
        }
        answered.update({name.lower(): v for name, v in (result.get("headers") or {}).items()})
        decoded = json.loads(result["body"]) if result["body"] else None
        return Answer(result["statusCode"], answered, decoded)

    def __call__(self, method: str, path: str, payload: Any = None, expect: int = 200) -> Any:
        """Send one request to /dev<path>; check its status and return the decoded body.

        :raises RuntimeError: when the status is not `expect`.
        """
        return self.request(method, path, payload, expect).body


def sign_up(handler: Any, email: str) -> tuple[str, str]:
    """Register an account through the handler and sign in; return its id and an
    access token. The password is random: nothing signs in with it again.

    :raises RuntimeError: when either step does not answer as the API promises.
    """
    public = Invoker(handler)
    account = {"email": email, "password": secrets.token_urlsafe(18)}
    user = public("POST", "/api/auth/register", account, expect=201)
    pair = public("POST", "/api/auth/token", account)
    if user.get("email") != email or not pair.get("access_token"):
        raise RuntimeError(f"signing up {email} answered {user} and no access token")
    return str(user["id"]), str(pair["access_token"])


def create_todos(invoke: Invoker, rows: int) -> dict[str, str]:
    """Create `rows` todos through the API; return each one's id and ETag, newest first."""
    todos: dict[str, str] = {}
    for n in range(rows):
        answer = invoke.request("POST", "/api/todos", {"title": f"Benchmark todo {n}"}, 201)
        todos[answer.body["id"]] = etag_of(answer)
    return dict(reversed(todos.items()))


def etag_of(answer: Answer) -> str:
    """Return the ETag of an answer about one todo.

    :raises RuntimeError: when there is none.
    """
    if not answer.headers.get("etag"):
        raise RuntimeError(f"an answer about one todo carried no ETag: {answer}")
    return answer.headers["etag"]


def operations(
    invoke: Invoker, todos: dict[str, str], *, conditional: bool = True
) -> dict[str, Operation]:
    """Return each benchmarked operation as a function of a running number.

    `todos` holds the signed-in user's todos, by id, with their current ETags; the
    operations keep the ETags current, so that an If-Match always names the todo as it
    is. Each operation checks that it did its work (a full page of the user's todos and
    only theirs, the right todo, a fresh ETag, no replay for a fresh key), so a broken
    setup cannot pass for a fast one.

    In the order returned, each create is followed by a delete of as many todos, so a
    round of batches leaves the table as it found it. `conditional` adds the conditional
    twins of create, update and delete.
    """
    ids = list(todos)
    created: list[tuple[str, str]] = []  # id and ETag, of todos made and not yet deleted

    def list_page(n: int) -> None:
        page = invoke("GET", "/api/todos")
        if len(page["items"]) != len(ids) or page["count"] != len(ids):
            raise RuntimeError(
                f"listed {len(page['items'])} of {page['count']} todos, not {len(ids)}"
            )

    def get(n: int) -> None:
        todo_id = ids[n % len(ids)]
        answer = invoke.request("GET", f"/api/todos/{todo_id}")
        if answer.body["id"] != todo_id:
            raise RuntimeError(f"GET /api/todos/{todo_id} answered another todo")
        if etag_of(answer) != todos[todo_id]:
            raise RuntimeError(f"GET /api/todos/{todo_id}: ETag {etag_of(answer)}, not ours")

    def write(n: int, headers: Sequence[Header] = ()) -> None:
        todo_id = ids[n % len(ids)]
        path = f"/api/todos/{todo_id}"
        answer = invoke.request("PATCH", path, {"completed": n % 2 == 0}, headers=headers)
        if answer.body["id"] != todo_id or answer.body["completed"] != (n % 2 == 0):
            raise RuntimeError(f"PATCH {path} did not update it: {answer.body}")
        if etag_of(answer) == todos[todo_id]:
            raise RuntimeError(f"PATCH {path} left the ETag as it was")
        todos[todo_id] = etag_of(answer)

    def make(n: int, headers: Sequence[Header] = ()) -> None:
        title = f"Bench {n}"
        answer = invoke.request("POST", "/api/todos", {"title": title}, 201, headers=headers)
        if answer.body["title"] != title or "idempotent-replayed" in answer.headers:
            raise RuntimeError(f"POST /api/todos did not create {title!r}: {answer}")
        created.append((answer.body["id"], etag_of(answer)))

    def remove(n: int, headers: Sequence[Header] = ()) -> None:
        todo_id, _ = created.pop()
        invoke.request("DELETE", f"/api/todos/{todo_id}", expect=204, headers=headers)

    def create_with_key(n: int) -> None:
        make(n, [("Idempotency-Key", f"bench-{uuid.uuid4()}")])

    def update_if_match(n: int) -> None:
        write(n, [("If-Match", todos[ids[n % len(ids)]])])

    def delete_if_match(n: int) -> None:
        _, etag = created[-1]  # the todo remove() takes
        remove(n, [("If-Match", etag)])

    found: dict[str, Operation] = {
        "list (100 rows)": list_page,
        "get": get,
        "create": make,
        "update": write,
        "delete": remove,
    }
    if conditional:
        found |= {
            "create (Idempotency-Key)": create_with_key,
            "update (If-Match)": update_if_match,
            "delete (If-Match)": delete_if_match,
        }
    return found
