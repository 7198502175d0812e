// The Content-Security-Policy of the static export, as strict as it allows: nothing but
// this origin, except the inline scripts Next.js writes into each page (its React Server
// Components payload), allowed one by one by their SHA-256. Run after `next build`, it
// writes the policy to out/csp.txt, which the CDK web stack sends from CloudFront; the
// test server (scripts/serve.mjs) sends the same policy.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The SHA-256 sources of every inline <script> in the export's HTML files. */
export function inlineScriptHashes(out) {
  const hashes = new Set();
  for (const entry of readdirSync(out, { recursive: true })) {
    if (!String(entry).endsWith(".html")) continue;
    const html = readFileSync(join(out, String(entry)), "utf8");
    for (const [, attributes, body] of html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)) {
      if (/\bsrc=/.test(attributes) || body.length === 0) continue;
      hashes.add(`'sha256-${createHash("sha256").update(body, "utf8").digest("base64")}'`);
    }
  }
  if (hashes.size === 0) throw new Error(`no inline script in ${out}: is it a Next.js export?`);
  return [...hashes].sort();
}

/** The policy; `connect` adds an API origin (only when the API lives elsewhere, locally). */
export function contentSecurityPolicy(out, connect = []) {
  return [
    "default-src 'none'",
    `script-src 'self' ${inlineScriptHashes(out).join(" ")}`,
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src ${["'self'", ...connect].join(" ")}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = resolve(process.argv[2] ?? process.env.NEXT_EXPORT_DIR ?? "out");
  const policy = contentSecurityPolicy(out);
  writeFileSync(join(out, "csp.txt"), `${policy}\n`);
  console.log(`${join(out, "csp.txt")}: ${policy.length} characters`);
}
