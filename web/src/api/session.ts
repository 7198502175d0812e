/**
 * The signed-in session of this tab: the access token in memory, the refresh token in
 * sessionStorage (so a reload stays signed in), spent at most once at a time.
 *
 * Why sessionStorage: it survives a reload but belongs to one tab, so two tabs never
 * share a refresh token, and closing the tab forgets it. A duplicated tab (or a window
 * opened by script) starts with a copy of it, though; spending that copy would trip the
 * API's reuse detection and end both tabs' sign-in. So a tab holds a Web Lock named
 * after its sign-in for as long as it lives, and a tab that finds the lock taken leaves
 * the copy alone and asks for a new sign-in instead. docs/web.md has the trade-offs.
 */

export interface TokenPair {
  access_token: string;
  refresh_token: string;
}

/** What `refresh` answers: a new pair, or null when the API refused the token (401). */
export type Refresh = (refreshToken: string) => Promise<TokenPair | null>;

/** The part of the Web Locks API this module uses (navigator.locks). */
export interface Locks {
  request(
    name: string,
    options: { signal?: AbortSignal },
    callback: () => Promise<void>,
  ): Promise<void>;
}

export interface SessionOptions {
  storage: Pick<Storage, "getItem" | "setItem" | "removeItem">;
  locks: Locks | null;
  refresh: Refresh;
  /** How long a tab waits for the lock: a reload's previous page releases it quickly. */
  claimTimeoutMs?: number;
}

const KEY = "todo.session";

interface Stored {
  id: string;
  refresh: string;
}

export class SignedOut extends Error {
  constructor() {
    super("Your session has ended. Sign in again.");
    this.name = "SignedOut";
  }
}

export class Session {
  private access: string | null = null;
  private refreshing: Promise<string> | null = null;
  private starting: Promise<boolean> | null = null;
  private release: (() => void) | null = null;
  private listeners = new Set<(signedIn: boolean) => void>();
  /** True once the API refused this tab's sign-in (revoked, expired, or spent elsewhere). */
  ended = false;

  constructor(private readonly options: SessionOptions) {}

  /** Tell `listener` whenever the tab signs in or out; returns the unsubscribe. */
  subscribe(listener: (signedIn: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get signedIn(): boolean {
    return this.access !== null;
  }

  /**
   * Resume the stored sign-in, if this tab may: claim it, then spend its refresh token.
   * Memoised, so React StrictMode's second effect (or any second caller) waits for the
   * first instead of spending the token again.
   */
  start(): Promise<boolean> {
    this.starting ??= this.resume();
    return this.starting;
  }

  private async resume(): Promise<boolean> {
    const stored = this.read();
    if (stored === null) return false;
    if (!(await this.claim(stored.id))) {
      // Another live tab owns this sign-in (this one is its duplicate): not ours to spend.
      this.options.storage.removeItem(KEY);
      return false;
    }
    try {
      await this.refresh();
      return true;
    } catch {
      return false;
    }
  }

  /** Keep a new token pair from a sign-in; this tab now owns that sign-in. */
  async signIn(pair: TokenPair): Promise<void> {
    this.drop();
    this.ended = false;
    const id = randomId();
    this.write({ id, refresh: pair.refresh_token });
    this.access = pair.access_token;
    this.starting = Promise.resolve(true);
    await this.claim(id);
    this.notify();
  }

  /** The access token to send, refreshing first if this tab has none yet. */
  async accessToken(): Promise<string> {
    return this.access ?? this.refresh();
  }

  /**
   * A new access token after `rejected` was refused (401). Callers that saw the same
   * token refused share one refresh; a caller whose token was already replaced gets the
   * new one without spending anything.
   */
  async renew(rejected: string): Promise<string> {
    if (this.access !== null && this.access !== rejected) return this.access;
    return this.refresh();
  }

  /** Spend the refresh token once, however many callers ask at the same time. */
  refresh(): Promise<string> {
    this.refreshing ??= this.spend().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async spend(): Promise<string> {
    const stored = this.read();
    if (stored === null) throw this.end();
    // A network failure throws here and keeps the token: unspent, as far as we know.
    const pair = await this.options.refresh(stored.refresh);
    if (pair === null) throw this.end();
    this.write({ id: stored.id, refresh: pair.refresh_token });
    this.access = pair.access_token;
    this.notify();
    return pair.access_token;
  }

  /** Forget the sign-in in this tab; returns the refresh token to revoke, if any. */
  signOut(): string | null {
    const stored = this.read();
    this.drop();
    this.notify();
    return stored?.refresh ?? null;
  }

  private end(): SignedOut {
    this.ended = true;
    this.drop();
    this.notify();
    return new SignedOut();
  }

  private drop(): void {
    this.access = null;
    this.starting = null;
    this.options.storage.removeItem(KEY);
    this.release?.();
    this.release = null;
  }

  private notify(): void {
    for (const listener of this.listeners) listener(this.signedIn);
  }

  /** Hold the sign-in's lock for the life of this page; false if another page holds it. */
  private claim(id: string): Promise<boolean> {
    const locks = this.options.locks;
    // Without Web Locks (very old browsers) a duplicated tab cannot be told apart.
    if (locks === null) return Promise.resolve(true);
    return new Promise((resolve) => {
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), this.options.claimTimeoutMs ?? 1500);
      locks
        .request(`todo-session:${id}`, { signal: abort.signal }, () => {
          clearTimeout(timer);
          resolve(true);
          return new Promise<void>((release) => {
            this.release = release;
          });
        })
        .catch(() => resolve(false));
    });
  }

  private read(): Stored | null {
    const raw = this.options.storage.getItem(KEY);
    if (raw === null) return null;
    try {
      const value: unknown = JSON.parse(raw);
      if (isStored(value)) return value;
    } catch {
      // Unreadable: treat as signed out.
    }
    this.options.storage.removeItem(KEY);
    return null;
  }

  private write(value: Stored): void {
    this.options.storage.setItem(KEY, JSON.stringify(value));
  }
}

function isStored(value: unknown): value is Stored {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Stored).id === "string" &&
    typeof (value as Stored).refresh === "string"
  );
}

function randomId(): string {
  return crypto.randomUUID();
}
