import { describe, expect, it } from "vitest";

import { ApiError, Changed, createApi, SignedOut } from "../src/api/client";
import { FakeApi, FakeLocks, json, TabStorage } from "./fake-api";

function tab(api: FakeApi, storage = new TabStorage(), locks = new FakeLocks()) {
  const waits: number[] = [];
  const client = createApi({
    baseUrl: "http://api.test",
    storage,
    locks,
    fetch: api.fetch,
    claimTimeoutMs: 50,
    wait: async (ms) => {
      waits.push(ms);
    },
  });
  return { client, storage, locks, waits };
}

async function signedIn(api: FakeApi) {
  const opened = tab(api);
  await opened.client.signIn("ann@example.com", "a long password");
  return opened;
}

describe("refresh", () => {
  it("spends the refresh token once for concurrent 401s, and both calls succeed", async () => {
    const api = new FakeApi();
    const { client } = await signedIn(api);
    api.expireAccessTokens();
    const pages = await Promise.all([
      client.listTodos({ offset: 0, filter: "all" }),
      client.listTodos({ offset: 0, filter: "open" }),
      client.me().catch(() => null),
    ]);
    expect(pages[0].count).toBe(0);
    expect(api.refreshes).toEqual(["refresh-1"]);
    expect(api.revoked).toBe(false);
  });

  it("resumes a stored sign-in once however often start is called (StrictMode)", async () => {
    const api = new FakeApi();
    const first = await signedIn(api);
    // A reload: the tab's storage, a new page; the old page and its lock are gone.
    const reloaded = tab(api, first.storage.copy());
    const results = await Promise.all([reloaded.client.session.start(), reloaded.client.session.start()]);
    expect(results).toEqual([true, true]);
    expect(api.refreshes).toEqual(["refresh-1"]);
    await reloaded.client.listTodos({ offset: 0, filter: "all" });
    expect(api.refreshes).toHaveLength(1);
  });

  it("ends the session with SignedOut when the refresh token is refused", async () => {
    const api = new FakeApi();
    const { client, storage } = await signedIn(api);
    // The sign-in was revoked elsewhere (sign-out, a password change): its token is dead.
    api.revokeAll();
    api.expireAccessTokens();
    await expect(client.listTodos({ offset: 0, filter: "all" })).rejects.toBeInstanceOf(SignedOut);
    expect(api.refreshes).toEqual(["refresh-1"]);
    expect(client.session.signedIn).toBe(false);
    expect(client.session.ended).toBe(true);
    expect(storage.getItem("todo.session")).toBeNull();
  });

  it("resumes nothing after a reload when the stored token was revoked", async () => {
    const api = new FakeApi();
    const first = await signedIn(api);
    api.revokeAll();
    const reloaded = tab(api, first.storage.copy());
    expect(await reloaded.client.session.start()).toBe(false);
    expect(reloaded.client.session.ended).toBe(true);
    expect(reloaded.storage.getItem("todo.session")).toBeNull();
  });

  it("leaves a duplicated tab's copied token alone while the original tab lives", async () => {
    const api = new FakeApi();
    const original = await signedIn(api);
    const duplicate = tab(api, original.storage.copy(), original.locks);
    expect(await duplicate.client.session.start()).toBe(false);
    expect(duplicate.storage.getItem("todo.session")).toBeNull();
    expect(api.refreshes).toEqual([]);
    // The original still refreshes with its token: nothing was spent behind its back.
    api.expireAccessTokens();
    await original.client.listTodos({ offset: 0, filter: "all" });
    expect(api.refreshes).toEqual(["refresh-1"]);
    expect(api.revoked).toBe(false);
  });
});

describe("idempotent creates", () => {
  it("retries after a network error with the same key and makes one todo", async () => {
    const api = new FakeApi();
    const { client } = await signedIn(api);
    api.interceptors.push(() => new TypeError("Failed to fetch"));
    const todo = await client.createTodo("Buy milk", "key-1");
    expect(todo.title).toBe("Buy milk");
    expect(api.createKeys).toEqual(["key-1"]);
    expect(api.todos.size).toBe(1);
  });

  it("retries after a short 503 with the same key, waiting its Retry-After", async () => {
    const api = new FakeApi();
    const { client, waits } = await signedIn(api);
    // The first try reached the server, which made the todo, but the answer was lost.
    api.interceptors.push((request) => {
      void api.fetch(request);
      return json(503, { detail: "Service temporarily unavailable" }, { "Retry-After": "2" });
    });
    await client.createTodo("Buy milk", "key-2");
    expect(waits).toEqual([2000]);
    expect(api.createKeys).toEqual(["key-2", "key-2"]);
    expect(api.todos.size).toBe(1);
  });

  it("gives up on a long 503 and says how long to wait, in words", async () => {
    const api = new FakeApi();
    const { client } = await signedIn(api);
    api.interceptors.push(() => json(503, { detail: "Service temporarily unavailable" }, { "Retry-After": "90" }));
    const failure = await client.createTodo("Buy milk", "key-3").catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).message).toBe("The service is unavailable for a moment. Try again in 2 minutes.");
    expect(api.todos.size).toBe(0);
  });

  it("says when a lost connection outlasts the retries", async () => {
    const api = new FakeApi();
    const { client } = await signedIn(api);
    for (let i = 0; i < 3; i += 1) api.interceptors.push(() => new TypeError("Failed to fetch"));
    await expect(client.createTodo("Buy milk", "key-4")).rejects.toThrow("Cannot reach the server");
  });
});

describe("conditional writes", () => {
  it("sends If-Match with the version read, and on 412 answers the todo's current state", async () => {
    const api = new FakeApi();
    const { client } = await signedIn(api);
    const todo = await client.createTodo("Buy milk", "key-5");
    api.changeElsewhere(todo.id, "Buy oat milk");
    const failure = await client.updateTodo(todo, { completed: true }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Changed);
    expect((failure as Changed).current).toMatchObject({ title: "Buy oat milk", completed: false, version: 2 });
    expect((failure as Changed).message).toContain("changed elsewhere");
    const current = (failure as Changed).current!;
    const saved = await client.updateTodo(current, { completed: true });
    expect(saved).toMatchObject({ completed: true, version: 3 });
  });

  it("reports a todo deleted elsewhere as gone", async () => {
    const api = new FakeApi();
    const { client } = await signedIn(api);
    const todo = await client.createTodo("Buy milk", "key-6");
    api.todos.delete(todo.id);
    const failure = await client.updateTodo(todo, { title: "x" }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Changed);
    expect((failure as Changed).current).toBeNull();
  });

  it("refuses to delete a todo changed since it was read", async () => {
    const api = new FakeApi();
    const { client } = await signedIn(api);
    const todo = await client.createTodo("Buy milk", "key-7");
    api.changeElsewhere(todo.id, "Buy bread");
    await expect(client.deleteTodo(todo)).rejects.toBeInstanceOf(Changed);
    expect(api.todos.size).toBe(1);
  });
});

describe("refusals in words", () => {
  it("shows a 429's Retry-After in minutes", async () => {
    const api = new FakeApi();
    const { client } = tab(api);
    api.interceptors.push(() => json(429, { detail: "Too many attempts" }, { "Retry-After": "900" }));
    await expect(client.signIn("ann@example.com", "wrong")).rejects.toThrow("Try again in 15 minutes.");
  });
});
