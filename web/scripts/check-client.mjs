// Fail when src/api/openapi.d.ts is not what `make web-client` generates from the
// committed OpenAPI snapshot (docs/openapi.json): the client would lie about the API.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
const committed = join(web, "src/api/openapi.d.ts");
const scratch = mkdtempSync(join(tmpdir(), "openapi-client-"));
try {
  const fresh = join(scratch, "openapi.d.ts");
  execFileSync(
    join(web, "node_modules/.bin/openapi-typescript"),
    [join(web, "../docs/openapi.json"), "--output", fresh],
    { stdio: ["ignore", "ignore", "inherit"] },
  );
  const expected = readFileSync(fresh, "utf8");
  if (expected.length === 0) throw new Error("openapi-typescript generated nothing");
  if (readFileSync(committed, "utf8") !== expected) {
    console.error(
      "web/src/api/openapi.d.ts is stale: docs/openapi.json changed. Run `make web-client` and commit the result.",
    );
    process.exit(1);
  }
  console.log(`web/src/api/openapi.d.ts matches docs/openapi.json (${expected.length} characters)`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
