/**
 * Measure, and write into docs/web.md between its budget markers: the first-load
 * JavaScript of each page (gzipped), and the time from navigation to an interactive
 * todo list of 20 for a signed-in user reopening the app, against the local API.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { accessToken, expect, signUp, test } from "../e2e/fixtures";
import { firstLoad } from "../scripts/first-load.mjs";

const WEB = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DOC = join(WEB, "..", "docs", "web.md");
const RUNS = 7;
const LIMIT_KB = 150;

test("first-load JavaScript and time to an interactive list", async ({ page, web, api, request }) => {
  const pages = firstLoad(join(WEB, "e2e-out"));

  await signUp(page, web, "budget@example.com");
  const token = await accessToken(request, api, "budget@example.com");
  for (let n = 1; n <= 20; n += 1) {
    const made = await request.post(`${api}/api/todos`, {
      headers: { Authorization: `Bearer ${token}` },
      data: { title: `Chore ${n}` },
    });
    expect(made.status()).toBe(201);
  }

  // A reload is a signed-in user opening the app: load the scripts, spend the refresh
  // token, fetch the page of todos, render it. Timed in the page, from navigation start.
  const times: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    await page.reload();
    const last = page.getByRole("checkbox").nth(19);
    await expect(last).toBeEnabled();
    times.push(await page.evaluate(() => performance.now()));
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? Number.NaN;
  expect(median).toBeGreaterThan(0);

  const rows = pages.map(({ page: path, files, bytes }) => `| \`${path}\` | ${files} | ${(bytes / 1000).toFixed(1)} kB |`);
  const figures = [
    "<!-- budget:start -->",
    `Measured by \`make web-budget\` in headless Chromium on ${cpus().length} CPU cores (load average`,
    `${(loadavg()[0] ?? 0).toFixed(1)} when it ran), against the API under \`manage.py runserver\` with`,
    "SQLite, both on this machine.",
    "",
    `| page | scripts | first-load JavaScript, gzipped (budget ${LIMIT_KB} kB) |`,
    "| --- | --- | --- |",
    ...rows,
    "",
    `Time to an interactive list of 20 todos for a signed-in user reopening the app (a reload:`,
    `scripts, one refresh, one page of todos), median of ${RUNS}: **${Math.round(median)} ms**`,
    `(fastest ${Math.round(times[0] ?? 0)} ms, slowest ${Math.round(times[times.length - 1] ?? 0)} ms).`,
    "<!-- budget:end -->",
  ].join("\n");
  const doc = readFileSync(DOC, "utf8");
  const marked = /<!-- budget:start -->[\s\S]*<!-- budget:end -->/;
  if (!marked.test(doc)) throw new Error(`${DOC} has no budget markers`);
  writeFileSync(DOC, doc.replace(marked, figures));
  for (const { page: path, bytes } of pages) expect(bytes, `${path} first-load JS`).toBeLessThanOrEqual(LIMIT_KB * 1000);
});
