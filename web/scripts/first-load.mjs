// First-load JavaScript of each page of the export, gzipped: every script a modern
// browser fetches or runs before the page works (its <script src> files and its inline
// scripts; not the nomodule polyfills, which only old browsers load).
// Usage: node scripts/first-load.mjs [out] [--max-kb 150]
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";

const gzipped = (bytes) => gzipSync(bytes, { level: 9 }).length;

/** [{ page, files, bytes }] for every HTML page of `out`, bytes gzipped. */
export function firstLoad(out) {
  const pages = [];
  for (const entry of readdirSync(out, { recursive: true }).map(String).sort()) {
    if (!entry.endsWith(".html")) continue;
    const html = readFileSync(join(out, entry), "utf8");
    let bytes = 0;
    let files = 0;
    for (const [, attributes, body] of html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)) {
      if (/\bnomodule\b/i.test(attributes)) continue;
      const src = /\bsrc="([^"]+)"/.exec(attributes)?.[1];
      if (src) {
        bytes += gzipped(readFileSync(join(out, src.replace(/^\//, ""))));
        files += 1;
      } else if (body.length > 0) {
        bytes += gzipped(Buffer.from(body));
      }
    }
    if (files === 0) throw new Error(`${entry} loads no script: not a Next.js export?`);
    const page = "/" + entry.replace(/(^|\/)index\.html$/, "").replace(/\.html$/, "");
    pages.push({ page, files, bytes });
  }
  if (pages.length === 0) throw new Error(`no HTML page in ${out}`);
  return pages;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { "max-kb": { type: "string" } } });
  const pages = firstLoad(resolve(positionals[0] ?? "out"));
  const limit = values["max-kb"] ? Number(values["max-kb"]) * 1000 : Infinity;
  let over = false;
  for (const { page, files, bytes } of pages) {
    over ||= bytes > limit;
    console.log(`${page.padEnd(12)} ${(bytes / 1000).toFixed(1).padStart(6)} kB gzipped in ${files} files${bytes > limit ? "  OVER BUDGET" : ""}`);
  }
  if (over) {
    console.error(`first-load JavaScript over ${values["max-kb"]} kB gzipped`);
    process.exit(1);
  }
}
