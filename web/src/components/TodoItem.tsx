"use client";

import { type FormEvent, useState } from "react";

import type { Api, Todo } from "@/api/client";

interface Props {
  api: Api;
  todo: Todo;
  onChanged: (todo: Todo) => void;
  onDeleted: () => void;
  onFailed: (failure: unknown) => void;
}

/** One todo: its checkbox (named by its title), rename and delete. */
export function TodoItem({ api, todo, onChanged, onDeleted, onFailed }: Props) {
  const [renaming, setRenaming] = useState(false);
  const [busy, setBusy] = useState(false);
  const id = `todo-${todo.id}`;

  async function act(work: () => Promise<void>) {
    setBusy(true);
    try {
      await work();
    } catch (failure) {
      onFailed(failure);
    } finally {
      setBusy(false);
    }
  }

  function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const title = String(new FormData(event.currentTarget).get("title") ?? "").trim();
    void act(async () => {
      // Leave the form open on failure, so the typed title is not lost.
      onChanged(await api.updateTodo(todo, { title }));
      setRenaming(false);
    });
  }

  if (renaming) {
    return (
      <li>
        <form onSubmit={save} aria-label={`Rename ${todo.title}`}>
          <label>
            Title
            <input type="text" name="title" defaultValue={todo.title} maxLength={255} required autoFocus />
          </label>
          <button type="submit" disabled={busy}>
            Save
          </button>
          <button type="button" onClick={() => setRenaming(false)}>
            Cancel
          </button>
        </form>
      </li>
    );
  }

  return (
    <li>
      <input
        type="checkbox"
        id={id}
        checked={todo.completed}
        disabled={busy}
        onChange={() => void act(async () => onChanged(await api.updateTodo(todo, { completed: !todo.completed })))}
      />
      <label htmlFor={id} className={todo.completed ? "done" : undefined}>
        {todo.title}
      </label>
      <button type="button" onClick={() => setRenaming(true)}>
        Rename<span className="visually-hidden"> {todo.title}</span>
      </button>
      <button type="button" disabled={busy} onClick={() => void act(async () => { await api.deleteTodo(todo); onDeleted(); })}>
        Delete<span className="visually-hidden"> {todo.title}</span>
      </button>
    </li>
  );
}
