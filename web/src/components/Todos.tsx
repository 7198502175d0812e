"use client";

import { type FormEvent, useCallback, useEffect, useRef, useState } from "react";

import { type Api, Changed, type Filter, PAGE_SIZE, SignedOut, type Todo, type TodoPage } from "@/api/client";

import { messageOf } from "./messages";
import { TodoItem } from "./TodoItem";

const FILTERS: { value: Filter; label: string }[] = [
  { value: "all", label: "All" },
  { value: "open", label: "Open" },
  { value: "completed", label: "Completed" },
];

/** The signed-in view: add, filter, page through, and change todos. */
export function Todos({ api, onSignedOut }: { api: Api; onSignedOut: (message: string) => void }) {
  const [filter, setFilter] = useState<Filter>("all");
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<TodoPage | null>(null);
  const [loads, setLoads] = useState(0);
  const [error, setError] = useState("");
  const [email, setEmail] = useState("");
  const [title, setTitle] = useState("");
  const [adding, setAdding] = useState(false);
  // The key of the create not yet known to have succeeded: sent again when the same
  // title is added again after a failure, so the API makes that todo at most once.
  const pending = useRef<{ title: string; key: string } | null>(null);

  const fail = useCallback(
    (failure: unknown) => {
      if (failure instanceof SignedOut) onSignedOut(failure.message);
      else setError(messageOf(failure));
    },
    [onSignedOut],
  );

  useEffect(() => {
    let live = true;
    api
      .listTodos({ offset, filter })
      .then((loaded) => {
        if (!live) return;
        // The last page emptied (a delete, or elsewhere): show the one before it.
        if (loaded.items.length === 0 && offset > 0) setOffset(Math.max(0, offset - PAGE_SIZE));
        else setPage(loaded);
      })
      .catch((failure: unknown) => live && fail(failure));
    return () => {
      live = false;
    };
  }, [api, offset, filter, loads, fail]);

  useEffect(() => {
    let live = true;
    api
      .me()
      .then((user) => live && setEmail(user.email))
      .catch((failure: unknown) => live && fail(failure));
    return () => {
      live = false;
    };
  }, [api, fail]);

  async function add(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const text = title.trim();
    if (text === "" || adding) return;
    if (pending.current?.title !== text) pending.current = { title: text, key: crypto.randomUUID() };
    setAdding(true);
    setError("");
    try {
      await api.createTodo(text, pending.current.key);
      pending.current = null;
      setTitle("");
      setOffset(0);
      setLoads((n) => n + 1);
    } catch (failure) {
      fail(failure);
    } finally {
      setAdding(false);
    }
  }

  function replace(todo: Todo) {
    setPage((shown) =>
      shown && { ...shown, items: shown.items.map((item) => (item.id === todo.id ? todo : item)) },
    );
  }

  function changeFailed(failure: unknown) {
    if (failure instanceof Changed) {
      setError(failure.message);
      if (failure.current) replace(failure.current);
      else setLoads((n) => n + 1);
    } else {
      fail(failure);
    }
  }

  async function signOut() {
    await api.signOut();
    onSignedOut("");
  }

  const count = page?.count ?? 0;
  const pages = Math.max(1, Math.ceil(count / PAGE_SIZE));
  const current = Math.floor(offset / PAGE_SIZE) + 1;

  return (
    <>
      <p className="bar">
        <span>{email && `Signed in as ${email}`}</span>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </p>
      <form onSubmit={(event) => void add(event)} aria-label="Add a todo">
        <label>
          New todo
          <input type="text" value={title} maxLength={255} required onChange={(e) => setTitle(e.target.value)} />
        </label>
        <button type="submit" disabled={adding}>
          Add
        </button>
      </form>
      <p role="alert">{error}</p>
      <div className="bar" role="group" aria-label="Show">
        {FILTERS.map(({ value, label }) => (
          <button
            key={value}
            type="button"
            aria-pressed={filter === value}
            onClick={() => {
              setFilter(value);
              setOffset(0);
            }}
          >
            {label}
          </button>
        ))}
      </div>
      {page === null ? (
        <p aria-live="polite">Loading todos…</p>
      ) : (
        <>
          {page.items.length === 0 && <p>No todos here.</p>}
          <ul className="todos" aria-label="Todos">
            {page.items.map((todo) => (
              <TodoItem
                key={todo.id}
                api={api}
                todo={todo}
                onChanged={(changed) => {
                  setError("");
                  replace(changed);
                }}
                onDeleted={() => {
                  setError("");
                  setLoads((n) => n + 1);
                }}
                onFailed={changeFailed}
              />
            ))}
          </ul>
          <nav className="bar" aria-label="Pages">
            <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}>
              Previous page
            </button>
            <span>
              Page {current} of {pages} ({count} {count === 1 ? "todo" : "todos"})
            </span>
            <button type="button" disabled={offset + PAGE_SIZE >= count} onClick={() => setOffset(offset + PAGE_SIZE)}>
              Next page
            </button>
          </nav>
        </>
      )}
    </>
  );
}
