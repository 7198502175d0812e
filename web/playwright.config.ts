import { defineConfig } from "@playwright/test";

// The system's Chromium (Debian's package), never a downloaded one.
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

export default defineConfig({
  testDir: "e2e",
  // The harness starts the real API on a fresh database, builds the export against it
  // and serves it; see e2e/harness.ts.
  globalSetup: "./e2e/harness.ts",
  // One worker: the machine is small and the tests share one API process.
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    browserName: "chromium",
    headless: true,
    trace: "off",
    screenshot: "off",
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
});
