import { defineConfig } from "@playwright/test";

import e2e from "./playwright.config";

// `make web-budget`: the same harness and browser as the end-to-end tests, one script
// that measures and writes docs/web.md instead of asserting behaviour.
export default defineConfig({ ...e2e, testDir: "budget", timeout: 180_000 });
