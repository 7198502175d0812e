/**
 * The app's one way to the API: the generated client (openapi-fetch on the types
 * openapi-typescript writes from docs/openapi.json), plus what using the API properly
 * needs: bearer tokens with one shared refresh, If-Match on writes, an Idempotency-Key
 * reused when a create is retried, and errors a person can read.
 */
import createClient from "openapi-fetch";

import type { components, paths } from "./openapi";
import { type Locks, Session, SignedOut } from "./session";
import { retryAfterSeconds, waitInWords } from "./words";

export type Todo = components["schemas"]["TodoOut"];
export type TodoPage = components["schemas"]["TodoPageOut"];
export type User = components["schemas"]["UserOut"];
export type Filter = "all" | "open" | "completed";
export { SignedOut };

export const PAGE_SIZE = 20;
// A create retried automatically after a network error, a 503 or a 409 (the first try
// still in flight): at most this many tries, each waiting for the server's Retry-After
// when it is short, so a flaky moment never shows an error nor makes two todos.
const CREATE_TRIES = 3;
const LONGEST_AUTOMATIC_WAIT_S = 5;

/** An answer to show the user: its words, and for 429 and 503 how long to wait. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** 412 or 404 on a write: the todo changed elsewhere; `current` is its state now (null: gone). */
export class Changed extends Error {
  constructor(readonly current: Todo | null) {
    super(
      current === null
        ? "This todo was deleted elsewhere, so your change was not saved."
        : "This todo changed elsewhere, so your change was not saved. It now shows its current state.",
    );
    this.name = "Changed";
  }
}

export interface ApiOptions {
  /** Where the API lives: "" for the same origin (CloudFront), else e.g. http://127.0.0.1:8000. */
  baseUrl: string;
  storage: Pick<Storage, "getItem" | "setItem" | "removeItem">;
  locks: Locks | null;
  fetch?: (request: Request) => Promise<Response>;
  wait?: (ms: number) => Promise<void>;
  claimTimeoutMs?: number;
}

export type Api = ReturnType<typeof createApi>;

export function createApi(options: ApiOptions) {
  const client = createClient<paths>({
    baseUrl: options.baseUrl,
    // Looked up on each call, so a test (or a polyfill) can replace the global later.
    fetch: options.fetch ?? ((request: Request) => globalThis.fetch(request)),
  });
  const wait = options.wait ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms)));

  const session = new Session({
    storage: options.storage,
    locks: options.locks,
    claimTimeoutMs: options.claimTimeoutMs,
    async refresh(refresh_token) {
      const { data, error, response } = await client.POST("/api/auth/refresh", {
        body: { refresh_token },
      });
      if (data !== undefined) return data;
      if (response.status === 401) return null;
      throw failure(response, error);
    },
  });

  /** Send with the access token; after a 401, once more with a renewed one. */
  async function authed<T extends { response: Response }>(
    send: (authorization: string) => Promise<T>,
  ): Promise<T> {
    const token = await session.accessToken();
    const first = await send(`Bearer ${token}`);
    if (first.response.status !== 401) return first;
    const renewed = await session.renew(token);
    const second = await send(`Bearer ${renewed}`);
    if (second.response.status === 401) {
      session.signOut();
      throw new SignedOut();
    }
    return second;
  }

  async function current(id: string): Promise<Todo | null> {
    const { data, error, response } = await authed((Authorization) =>
      client.GET("/api/todos/{todo_id}", {
        params: { path: { todo_id: id } },
        headers: { Authorization },
      }),
    );
    if (data !== undefined) return data;
    if (response.status === 404) return null;
    throw failure(response, error);
  }

  async function signIn(email: string, password: string): Promise<void> {
    const { data, error, response } = await client.POST("/api/auth/token", {
      body: { email, password },
    });
    if (data === undefined) throw failure(response, error);
    await session.signIn(data);
  }

  return {
    session,

    signIn,

    /** Create the account, then sign in with the same email and password. */
    async register(email: string, password: string): Promise<void> {
      const { error, response } = await client.POST("/api/auth/register", {
        body: { email, password },
      });
      if (!response.ok) throw failure(response, error);
      await signIn(email, password);
    },

    /** Forget the sign-in here, and ask the API to revoke it (best effort). */
    async signOut(): Promise<void> {
      const refresh_token = session.signOut();
      if (refresh_token === null) return;
      try {
        await client.POST("/api/auth/logout", { body: { refresh_token } });
      } catch {
        // Offline: the token is gone from this tab, and it expires on its own.
      }
    },

    async me(): Promise<User> {
      const { data, error, response } = await authed((Authorization) =>
        client.GET("/api/auth/me", { headers: { Authorization } }),
      );
      if (data === undefined) throw failure(response, error);
      return data;
    },

    async listTodos(page: { offset: number; filter: Filter }): Promise<TodoPage> {
      const completed = page.filter === "all" ? undefined : page.filter === "completed";
      const { data, error, response } = await authed((Authorization) =>
        client.GET("/api/todos", {
          params: { query: { limit: PAGE_SIZE, offset: page.offset, completed } },
          headers: { Authorization },
        }),
      );
      if (data === undefined) throw failure(response, error);
      return data;
    },

    /**
     * Create a todo under `key`. Retries after a network error, a short 503 or a 409
     * reuse the key, so the API makes the todo once; a caller that retries later should
     * pass the same key again.
     */
    async createTodo(title: string, key: string): Promise<Todo> {
      for (let attempt = 1; ; attempt += 1) {
        let result;
        try {
          result = await authed((Authorization) =>
            client.POST("/api/todos", {
              // The same body on every try: the key's fingerprint must match.
              body: { title, completed: false },
              headers: { Authorization, "Idempotency-Key": key },
            }),
          );
        } catch (error) {
          if (!isNetworkError(error) || attempt >= CREATE_TRIES) throw offline(error);
          await wait(500 * attempt);
          continue;
        }
        const { data, error, response } = result;
        if (data !== undefined) return data;
        const problem = failure(response, error);
        const pause = retryableCreate(problem);
        if (pause === null || attempt >= CREATE_TRIES) throw problem;
        await wait(pause);
      }
    },

    /** Rename or (un)complete `todo`, if nobody changed it since it was read. */
    async updateTodo(todo: Todo, change: { title?: string; completed?: boolean }): Promise<Todo> {
      const { data, error, response } = await authed((Authorization) =>
        client.PATCH("/api/todos/{todo_id}", {
          params: { path: { todo_id: todo.id } },
          body: change,
          headers: { Authorization, "If-Match": etag(todo) },
        }),
      );
      if (data !== undefined) return data;
      if (response.status === 412 || response.status === 404) {
        throw new Changed(response.status === 404 ? null : await current(todo.id));
      }
      throw failure(response, error);
    },

    /** Delete `todo`, if nobody changed it since it was read; one already gone is fine. */
    async deleteTodo(todo: Todo): Promise<void> {
      const { error, response } = await authed((Authorization) =>
        client.DELETE("/api/todos/{todo_id}", {
          params: { path: { todo_id: todo.id } },
          headers: { Authorization, "If-Match": etag(todo) },
        }),
      );
      if (response.ok || response.status === 404) return;
      if (response.status === 412) throw new Changed(await current(todo.id));
      throw failure(response, error);
    },
  };
}

/** The ETag of what we read: the API quotes the version (API.md, Conditional requests). */
export function etag(todo: Todo): string {
  return `"${todo.version}"`;
}

/** Milliseconds to wait before retrying a create that got `problem`, or null: do not. */
function retryableCreate(problem: ApiError): number | null {
  if (problem.status === 409) return 500;
  if (problem.status !== 503) return null;
  const seconds = problem.retryAfter ?? 1;
  return seconds <= LONGEST_AUTOMATIC_WAIT_S ? Math.max(seconds, 0.2) * 1000 : null;
}

function isNetworkError(error: unknown): boolean {
  // fetch rejects with a TypeError when the request never got an answer.
  return error instanceof TypeError;
}

function offline(error: unknown): unknown {
  return isNetworkError(error)
    ? new ApiError(0, "Cannot reach the server. Check your connection and try again.")
    : error;
}

/** Turn a refused answer into words: the API's `detail`, and any Retry-After. */
export function failure(response: Response, body: unknown): ApiError {
  const retryAfter = retryAfterSeconds(response.headers.get("Retry-After"));
  if (response.status === 429) {
    return new ApiError(429, `Too many attempts. Try again in ${waitInWords(retryAfter)}.`, retryAfter);
  }
  if (response.status === 503) {
    return new ApiError(
      503,
      `The service is unavailable for a moment. Try again in ${waitInWords(retryAfter)}.`,
      retryAfter,
    );
  }
  return new ApiError(response.status, detailOf(body) ?? `The request failed (${response.status}).`);
}

function detailOf(body: unknown): string | null {
  if (typeof body !== "object" || body === null || !("detail" in body)) return null;
  const detail: unknown = body.detail;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    const messages = detail
      .map((issue: unknown) =>
        typeof issue === "object" && issue !== null && "msg" in issue ? String(issue.msg) : null,
      )
      .filter((message): message is string => message !== null);
    if (messages.length > 0) return messages.join(" ");
  }
  return null;
}
