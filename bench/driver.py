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
# The account operations: a sign-in with the right password, and a refresh that spends
# the token the previous one answered.
ACCOUNT_OPERATIONS = ("sign in", "refresh")
# Every operation, in the order the tables show them.
ALL_OPERATIONS = (*BASE_OPERATIONS, *CONDITIONAL_OPERATIONS, *ACCOUNT_OPERATIONS)
# A sign-in hashes the password with Argon2id (tens of ms): its batches are this many
# times shorter than the others, so that a round does not last minutes.
SHORTER_BATCHES = {"sign in": 5}


def batch_calls(operation: str, per_round: int) -> int:
    """Return how many calls a batch of `operation` makes in a round of `per_round`."""
    return max(1, per_round // SHORTER_BATCHES.get(operation, 1))


@dataclass(frozen=True)
class Resource:
    """An owned resource the operations drive: where it lives, and the bodies they send.

    `new` is the body of a create, given a text to put in it; `change` the body of the
    n-th update. Every field either sends must come back as sent, which is how a create
    and an update show they did their work. Its list takes the page size's default
    (100, as many as a setup creates), and no filter.
    """

    noun: str  # what one of them is called, in the messages
    path: str  # the collection: /api/<plural>
    new: Callable[[str], dict[str, Any]]
    change: Callable[[int], dict[str, Any]]


TODOS = Resource(
    noun="todo",
    path="/api/todos",
    new=lambda text: {"title": text},
    change=lambda n: {"completed": n % 2 == 0},
)


def generated_resource(plural: str) -> Resource:
    """Return a resource written by `manage.py startresource <plural>`: its entity has
    one text field, `name` (core/resources/app_template), and its routes are
    core/resources/api.py's `owned_router`."""
    return Resource(
        noun=plural.removesuffix("s"),
        path=f"/api/{plural}",
        new=lambda text: {"name": text},
        change=lambda n: {"name": f"Renamed {n}"},
    )


@dataclass(frozen=True)
class Features:
    """What the app under test offers, which decides the operations it can run.

    An older commit may lack accounts (no bearer token: every todo is everyone's, and a
    list is the whole table), ETags and If-Match, or idempotency keys.
    """

    accounts: bool = True
    etags: bool = True
    idempotency: bool = True


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


@dataclass(frozen=True)
class Account:
    """A signed-up user: its credentials, id and first token pair."""

    email: str
    password: str
    id: str
    access_token: str
    refresh_token: str

    def credentials(self) -> dict[str, str]:
        """Return the body of a sign-in."""
        return {"email": self.email, "password": self.password}


def sign_up(handler: Any, email: str) -> Account:
    """Register an account through the handler and sign in; return it with its first
    token pair. The password is random, and known to the benchmark only.

    :raises RuntimeError: when either step does not answer as the API promises.
    """
    public = Invoker(handler)
    account = {"email": email, "password": secrets.token_urlsafe(18)}
    user = public("POST", "/api/auth/register", account, expect=201)
    pair = public("POST", "/api/auth/token", account)
    if user.get("email") != email or not pair.get("access_token"):
        raise RuntimeError(f"signing up {email} answered {user} and no access token")
    if not pair.get("refresh_token"):
        raise RuntimeError(f"signing in {email} answered no refresh token (keys: {sorted(pair)})")
    return Account(
        email,
        account["password"],
        str(user["id"]),
        str(pair["access_token"]),
        str(pair["refresh_token"]),
    )


def create_todos(
    invoke: Invoker, rows: int, *, etags: bool = True, resource: Resource = TODOS
) -> dict[str, str]:
    """Create `rows` of the resource (todos, unless told) through the API; return each
    one's id and ETag (empty for an app without ETags), newest first."""
    made: dict[str, str] = {}
    for n in range(rows):
        answer = invoke.request(
            "POST", resource.path, resource.new(f"Benchmark {resource.noun} {n}"), 201
        )
        made[answer.body["id"]] = etag_of(answer, etags=etags)
    return dict(reversed(made.items()))


def etag_of(answer: Answer, *, etags: bool = True) -> str:
    """Return the ETag of an answer about one item; "" from an app without ETags.

    :raises RuntimeError: when there is none and the app has ETags, or there is one and
        the app should have none (the features were told wrong).
    """
    found = answer.headers.get("etag", "")
    if etags and not found:
        raise RuntimeError(f"an answer about one item carried no ETag: {answer}")
    if not etags and found:
        raise RuntimeError(f"an app said to have no ETags answered one: {answer}")
    return found


def operations(
    invoke: Invoker,
    items: dict[str, str],
    *,
    conditional: bool = True,
    features: Features = Features(),
    account: Account | None = None,
    public: Invoker | None = None,
    resource: Resource = TODOS,
) -> dict[str, Operation]:
    """Return each benchmarked operation as a function of a running number.

    `items` holds the signed-in user's items of `resource` (todos, unless told), by id,
    with their current ETags; the operations keep the ETags current, so that an If-Match
    always names the item as it is. Each operation checks that it did its work (a full
    page of the user's items and only theirs, the right item, the fields as sent, a
    fresh ETag, no replay for a fresh key, a new token pair), so a broken setup cannot
    pass for a fast one.

    In the order returned, each create is followed by a delete of as many items, so a
    round of batches leaves the table as it found it. `conditional` adds the conditional
    twins of create, update and delete, and, given the `account` and an invoker that
    sends no token (`public`), the account operations: those the app's `features` have.
    """
    etags = features.etags
    ids = list(items)
    created: list[tuple[str, str]] = []  # id and ETag, of items made and not yet deleted
    collection, noun = resource.path, resource.noun

    def list_page(n: int) -> None:
        page = invoke("GET", collection)
        if len(page["items"]) != len(ids) or page["count"] != len(ids):
            raise RuntimeError(
                f"listed {len(page['items'])} of {page['count']} {noun}s, not {len(ids)}"
            )

    def get(n: int) -> None:
        item_id = ids[n % len(ids)]
        path = f"{collection}/{item_id}"
        answer = invoke.request("GET", path)
        if answer.body["id"] != item_id:
            raise RuntimeError(f"GET {path} answered another {noun}")
        if etag_of(answer, etags=etags) != items[item_id]:
            raise RuntimeError(f"GET {path}: ETag {etag_of(answer)}, not ours")

    def write(n: int, headers: Sequence[Header] = ()) -> None:
        item_id = ids[n % len(ids)]
        path, change = f"{collection}/{item_id}", resource.change(n)
        answer = invoke.request("PATCH", path, change, headers=headers)
        if answer.body["id"] != item_id or any(answer.body[f] != v for f, v in change.items()):
            raise RuntimeError(f"PATCH {path} did not update it: {answer.body}")
        if etags and etag_of(answer) == items[item_id]:
            raise RuntimeError(f"PATCH {path} left the ETag as it was")
        items[item_id] = etag_of(answer, etags=etags)

    def make(n: int, headers: Sequence[Header] = ()) -> None:
        body = resource.new(f"Bench {n}")
        answer = invoke.request("POST", collection, body, 201, headers=headers)
        if (
            any(answer.body[field] != value for field, value in body.items())
            or "idempotent-replayed" in answer.headers
        ):
            raise RuntimeError(f"POST {collection} did not create {body}: {answer}")
        created.append((answer.body["id"], etag_of(answer, etags=etags)))

    def remove(n: int, headers: Sequence[Header] = ()) -> None:
        item_id, _ = created.pop()
        invoke.request("DELETE", f"{collection}/{item_id}", expect=204, headers=headers)

    def create_with_key(n: int) -> None:
        make(n, [("Idempotency-Key", f"bench-{uuid.uuid4()}")])

    def update_if_match(n: int) -> None:
        write(n, [("If-Match", items[ids[n % len(ids)]])])

    def delete_if_match(n: int) -> None:
        _, etag = created[-1]  # the item remove() takes
        remove(n, [("If-Match", etag)])

    found: dict[str, Operation] = {
        "list (100 rows)": list_page,
        "get": get,
        "create": make,
        "update": write,
        "delete": remove,
    }
    if conditional and features.idempotency:
        found["create (Idempotency-Key)"] = create_with_key
    if conditional and etags:
        found |= {"update (If-Match)": update_if_match, "delete (If-Match)": delete_if_match}
    if conditional and features.accounts:
        if account is None or public is None:
            raise RuntimeError("an app with accounts needs an account to sign in with")
        found |= account_operations(public, account)
    return found


def account_operations(public: Invoker, account: Account) -> dict[str, Operation]:
    """Return sign-in and refresh as operations of a running number.

    Each refresh spends the refresh token the previous one answered (a chain of one
    sign-in, as a client keeps it); a sign-in with the right password resets its
    address's count of failures, so the throttle never answers 429 to it.
    """
    chain = [account.refresh_token]

    def pair_of(answer: Any, what: str) -> dict[str, str]:
        if not answer.get("access_token") or not answer.get("refresh_token"):
            # The keys only: a half pair may still carry a live token.
            raise RuntimeError(f"{what} answered no token pair (keys: {sorted(answer)})")
        return dict(answer)

    def sign_in(n: int) -> None:
        pair_of(public("POST", "/api/auth/token", account.credentials()), "a sign-in")

    def refresh(n: int) -> None:
        spent = chain[-1]
        pair = pair_of(public("POST", "/api/auth/refresh", {"refresh_token": spent}), "refresh")
        if pair["refresh_token"] == spent:
            raise RuntimeError("a refresh answered the token it spent")
        chain[-1] = pair["refresh_token"]

    return {"sign in": sign_in, "refresh": refresh}
