// Serve the static export (out/) as CloudFront does: the same files, the same security
// headers and Content-Security-Policy, so the end-to-end tests and the budget run
// against what gets deployed. Usage: node scripts/serve.mjs [--port 3000] [--api ORIGIN]
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

import { contentSecurityPolicy } from "./csp.mjs";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".json": "application/json",
  ".ico": "image/x-icon",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
};

/** Start serving `out` on 127.0.0.1:`port`; `api` is an API origin the pages may call. */
export function serve({ out, port, api }) {
  if (!existsSync(join(out, "index.html"))) throw new Error(`${out} holds no export: build first`);
  const headers = {
    "Content-Security-Policy": contentSecurityPolicy(out, api ? [api] : []),
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
  };
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname);
    const file = [path, `${path}.html`, join(path, "index.html")]
      .map((candidate) => join(out, normalize(candidate)))
      .find((candidate) => candidate.startsWith(out) && existsSync(candidate) && statSync(candidate).isFile());
    const status = file ? 200 : 404;
    const body = readFileSync(file ?? join(out, "404.html"));
    response.writeHead(status, {
      ...headers,
      "Content-Type": TYPES[extname(file ?? ".html")] ?? "application/octet-stream",
      "Cache-Control": "no-cache",
    });
    response.end(request.method === "HEAD" ? undefined : body);
  });
  return new Promise((done) => server.listen(port, "127.0.0.1", () => done(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { port: { type: "string", default: "3000" }, api: { type: "string" }, out: { type: "string", default: "out" } },
  });
  const out = resolve(values.out);
  await serve({ out, port: Number(values.port), api: values.api });
  console.log(`Serving ${out} on http://127.0.0.1:${values.port}/`);
}
