/**
 * Start what the end-to-end tests drive, all real and all local: the API (Django's
 * runserver on a free port, a fresh SQLite database, migrated, allowing the web
 * origin by CORS_ALLOWED_ORIGINS), the static export built against that API, and a
 * server for it that sends the CloudFront headers (scripts/serve.mjs).
 *
 * The database is always a new SQLite file: the tests register fixed accounts, and a
 * shared database (DATABASE_URL) would already hold them from the last run. PostgreSQL
 * behaviour is the Python suite's to prove.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { serve } from "../scripts/serve.mjs";

const WEB = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ROOT = resolve(WEB, "..");
// The export under test: built for this run's API origin, apart from web/out.
const EXPORT = "e2e-out";

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? done(address.port) : fail(new Error("no port"))));
    });
  });
}

async function waitForHealth(url: string, api: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (api.exitCode !== null) throw new Error(`the API exited with ${api.exitCode} before answering`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  throw new Error(`${url} did not answer 200 within 60 s`);
}

/** The API's environment: set here in full, never read from a developer's .env. */
function apiEnvironment(database: string, webOrigin: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key.startsWith("DB_") || key === "DATABASE_URL" || key === "CORS_ALLOWED_ORIGINS") delete env[key];
  }
  return {
    ...env,
    ENV_FILE: "/dev/null",
    DEBUG: "true",
    DATABASE_URL: `sqlite:///${database}`,
    CORS_ALLOWED_ORIGINS: webOrigin,
    LOG_LEVEL: "WARNING",
  };
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const [apiPort, webPort] = [await freePort(), await freePort()];
  const api = `http://127.0.0.1:${apiPort}`;
  const web = `http://127.0.0.1:${webPort}`;
  const scratch = mkdtempSync(join(tmpdir(), "todo-e2e-"));
  const env = apiEnvironment(join(scratch, "db.sqlite3"), web);
  const uv = process.env.UV ?? "uv";
  const manage = (...args: string[]) => [uv, ["run", "--locked", "python", "manage.py", ...args]] as const;

  execFileSync(...manage("migrate", "--verbosity", "0"), { cwd: ROOT, env, stdio: "inherit" });
  // Its request log goes to a file, shown only if the API fails to start.
  const log = join(scratch, "api.log");
  const server = spawn(...manage("runserver", `127.0.0.1:${apiPort}`, "--noreload"), {
    cwd: ROOT,
    env,
    stdio: ["ignore", openSync(log, "w"), openSync(log, "a")],
  });
  try {
    await waitForHealth(`${api}/api/health`, server).catch((error: unknown) => {
      process.stderr.write(readFileSync(log, "utf8"));
      throw error;
    });
    // The API's origin is inlined at build time (NEXT_PUBLIC_API_URL): build for this one.
    execFileSync("npm", ["run", "--silent", "build"], {
      cwd: WEB,
      env: { ...process.env, NEXT_PUBLIC_API_URL: api, NEXT_EXPORT_DIR: EXPORT, NEXT_TELEMETRY_DISABLED: "1" },
      stdio: ["ignore", "ignore", "inherit"],
    });
    if (!existsSync(join(WEB, EXPORT, "index.html"))) throw new Error(`next build wrote no ${EXPORT}/index.html`);
  } catch (error) {
    server.kill();
    throw error;
  }
  const site = await serve({ out: join(WEB, EXPORT), port: webPort, api });
  // Read by the tests: globalSetup's environment reaches the workers.
  process.env.WEB_URL = web;
  process.env.API_URL = api;

  return async () => {
    site.close();
    server.kill();
    rmSync(scratch, { recursive: true, force: true });
  };
}
