"use client";

import { useEffect, useState } from "react";

import { SignedOut } from "@/api/client";

import { AuthForm } from "./AuthForm";
import { getApi } from "./api";
import { Todos } from "./Todos";

type State = "starting" | "signed-out" | "signed-in";

/** Signed in: the todos. Signed out: the form. A reload resumes this tab's sign-in. */
export function TodoApp() {
  const [state, setState] = useState<State>("starting");
  const [notice, setNotice] = useState("");

  useEffect(() => {
    const { session } = getApi();
    let live = true;
    const unsubscribe = session.subscribe((signedIn) => {
      if (live) setState(signedIn ? "signed-in" : "signed-out");
    });
    // Memoised in the session: StrictMode's second run joins the first, one refresh.
    void session.start().then((signedIn) => {
      if (!live) return;
      // The stored sign-in was refused: say why the form is back.
      if (session.ended) setNotice(new SignedOut().message);
      setState(signedIn ? "signed-in" : "signed-out");
    });
    return () => {
      live = false;
      unsubscribe();
    };
  }, []);

  if (state === "starting") return <p aria-live="polite">Loading…</p>;
  if (state === "signed-out") return <AuthForm api={getApi()} notice={notice} />;
  return (
    <Todos
      api={getApi()}
      onSignedOut={(message) => {
        setNotice(message);
        setState("signed-out");
      }}
    />
  );
}
