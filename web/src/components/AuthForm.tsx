"use client";

import { type FormEvent, useState } from "react";

import type { Api } from "@/api/client";

import { messageOf } from "./messages";

/** Sign in, or create the account and sign in, with the same two fields. */
export function AuthForm({ api, notice }: { api: Api; notice: string }) {
  const [error, setError] = useState(notice);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const submitter = (event.nativeEvent as SubmitEvent).submitter;
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email") ?? "");
    const password = String(form.get("password") ?? "");
    setBusy(true);
    setError("");
    try {
      if (submitter?.getAttribute("value") === "register") await api.register(email, password);
      else await api.signIn(email, password);
    } catch (failure) {
      setError(messageOf(failure));
      setBusy(false);
    }
  }

  return (
    <>
      <form onSubmit={(event) => void submit(event)} aria-label="Sign in or create an account">
        <label>
          Email
          <input type="email" name="email" autoComplete="username" required />
        </label>
        <label>
          Password
          <input type="password" name="password" autoComplete="current-password" required />
        </label>
        <button type="submit" value="signin" disabled={busy}>
          Sign in
        </button>
        <button type="submit" value="register" disabled={busy}>
          Create account
        </button>
      </form>
      <p role="alert">{error}</p>
    </>
  );
}
