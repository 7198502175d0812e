import { type Api, createApi } from "@/api/client";

let api: Api | null = null;

/**
 * The page's one API client, made on first use in the browser. One per page, not per
 * component, so that React StrictMode's remounts share the session and its refresh.
 */
export function getApi(): Api {
  api ??= createApi({
    // Inlined at build time; empty means the page's own origin (CloudFront routes /api/*).
    baseUrl: process.env.NEXT_PUBLIC_API_URL ?? "",
    storage: window.sessionStorage,
    locks: "locks" in navigator ? navigator.locks : null,
  });
  return api;
}
