/**
 * A working stand-in for the API's auth and todo routes, enough for the client wrapper:
 * rotating single-use refresh tokens with reuse detection, versions and If-Match,
 * idempotent creates. It answers the Requests openapi-fetch builds.
 */
import type { Locks } from "../src/api/session";

interface StoredTodo {
  id: string;
  title: string;
  completed: boolean;
  created_at: string;
  updated_at: string;
  version: number;
}

type Interceptor = (request: Request) => Response | Error | undefined;

export class FakeApi {
  readonly todos = new Map<string, StoredTodo>();
  readonly keys = new Map<string, string>();
  readonly refreshes: string[] = [];
  readonly createKeys: (string | null)[] = [];
  /** Answers the next requests get before the fake sees them (a 503, a lost connection). */
  readonly interceptors: Interceptor[] = [];
  private validAccess = new Set<string>();
  private liveRefresh = new Set<string>();
  private spentRefresh = new Set<string>();
  private counter = 0;
  revoked = false;

  /** A signed-in pair, as POST /api/auth/token would answer. */
  pair(): { access_token: string; refresh_token: string } {
    this.counter += 1;
    const access = `access-${this.counter}`;
    const refresh = `refresh-${this.counter}`;
    this.validAccess.add(access);
    this.liveRefresh.add(refresh);
    return { access_token: access, refresh_token: refresh };
  }

  /** Every access token issued so far stops working, as at expiry. */
  expireAccessTokens(): void {
    this.validAccess.clear();
  }

  /** Every refresh token stops working, as after a sign-out elsewhere. */
  revokeAll(): void {
    this.liveRefresh.clear();
  }

  /** Change a todo as another client would. */
  changeElsewhere(id: string, title: string): void {
    const todo = this.todos.get(id);
    if (!todo) throw new Error(`no todo ${id}`);
    todo.title = title;
    todo.version += 1;
  }

  readonly fetch = async (request: Request): Promise<Response> => {
    const intercepted = this.interceptors.shift()?.(request);
    if (intercepted instanceof Error) throw intercepted;
    if (intercepted) return intercepted;
    const url = new URL(request.url);
    const route = `${request.method} ${url.pathname}`;
    if (route === "POST /api/auth/refresh") return this.refresh(await request.json());
    if (route === "POST /api/auth/token") return json(200, { ...this.pair(), token_type: "Bearer", expires_in: 900, refresh_expires_in: 9 });
    const authorization = request.headers.get("Authorization") ?? "";
    if (!this.validAccess.has(authorization.replace(/^Bearer /, ""))) {
      return json(401, { detail: "Invalid token" });
    }
    if (route === "GET /api/todos") {
      const items = [...this.todos.values()].reverse();
      return json(200, { items, count: items.length });
    }
    if (route === "POST /api/todos") return this.create(request);
    const match = /^\/api\/todos\/([^/]+)$/.exec(url.pathname);
    const todo = match ? this.todos.get(match[1] ?? "") : undefined;
    if (!todo) return json(404, { detail: "Todo not found" });
    if (request.method === "GET") return json(200, todo, { ETag: `"${todo.version}"` });
    if (request.headers.get("If-Match") !== `"${todo.version}"`) {
      return json(412, { detail: "Precondition failed" });
    }
    if (request.method === "PATCH") {
      Object.assign(todo, await request.json());
      todo.version += 1;
      return json(200, todo, { ETag: `"${todo.version}"` });
    }
    this.todos.delete(todo.id);
    return new Response(null, { status: 204 });
  };

  private refresh(body: { refresh_token: string }): Response {
    this.refreshes.push(body.refresh_token);
    if (this.spentRefresh.has(body.refresh_token)) {
      this.revoked = true; // reuse detection: the whole sign-in ends
      this.liveRefresh.clear();
    }
    if (!this.liveRefresh.delete(body.refresh_token)) {
      return json(401, { detail: "Invalid refresh token" });
    }
    this.spentRefresh.add(body.refresh_token);
    return json(200, { ...this.pair(), token_type: "Bearer", expires_in: 900, refresh_expires_in: 9 });
  }

  private async create(request: Request): Promise<Response> {
    const key = request.headers.get("Idempotency-Key");
    this.createKeys.push(key);
    const body = (await request.json()) as { title: string; completed: boolean };
    const known = key === null ? undefined : this.keys.get(key);
    if (known !== undefined) return json(201, this.todos.get(known), { "Idempotent-Replayed": "true" });
    this.counter += 1;
    const now = new Date(0).toISOString();
    const todo = { id: `todo-${this.counter}`, title: body.title, completed: body.completed, created_at: now, updated_at: now, version: 1 };
    this.todos.set(todo.id, todo);
    if (key !== null) this.keys.set(key, todo.id);
    return json(201, todo, { ETag: '"1"' });
  }
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

/** sessionStorage for one tab; `copy` is what duplicating the tab does. */
export class TabStorage {
  private items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
  copy(): TabStorage {
    const copy = new TabStorage();
    for (const [key, value] of this.items) copy.setItem(key, value);
    return copy;
  }
}

/** The browser's Web Locks, shared by the tabs of one origin: exclusive, queued, abortable. */
export class FakeLocks implements Locks {
  private held = new Map<string, Promise<void>>();

  request(name: string, options: { signal?: AbortSignal }, callback: () => Promise<void>): Promise<void> {
    const before = this.held.get(name) ?? Promise.resolve();
    let aborted = false;
    const granted = new Promise<void>((resolve, reject) => {
      options.signal?.addEventListener("abort", () => {
        aborted = true;
        reject(new DOMException("aborted", "AbortError"));
      });
      void before.then(() => (aborted ? undefined : resolve()));
    });
    const run = granted.then(() => callback());
    this.held.set(name, run.catch(() => undefined).then(() => before));
    return run;
  }
}
