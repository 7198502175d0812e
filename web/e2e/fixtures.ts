import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { type APIRequestContext, type BrowserContext, expect, type Page, test as base } from "@playwright/test";

export { expect };

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
// Throwaway accounts in the harness's fresh database, never a real credential.
export const PASSWORD = "violet-harbour-lantern-47";

interface Fixtures {
  web: string;
  api: string;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is unset: run the tests through playwright.config.ts`);
  return value;
}

declare global {
  interface Window {
    cspViolations?: string[];
  }
}

/** Record every Content-Security-Policy violation of every page of the context. */
async function watchPolicy(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener("securitypolicyviolation", (event) => {
      window.cspViolations?.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
}

export const test = base.extend<Fixtures>({
  web: async ({}, use) => use(required("WEB_URL")),
  api: async ({}, use) => use(required("API_URL")),
  context: async ({ context }, use) => {
    await watchPolicy(context);
    await use(context);
    // The app runs under the policy CloudFront sends; nothing it does may break it.
    for (const page of context.pages()) {
      if (page.isClosed()) continue;
      expect(await page.evaluate(() => window.cspViolations ?? [])).toEqual([]);
    }
  },
});

export async function open(page: Page, web: string): Promise<void> {
  await page.goto(web);
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
}

export async function signUp(page: Page, web: string, email: string): Promise<void> {
  await open(page, web);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText(`Signed in as ${email}`)).toBeVisible();
}

export async function signIn(page: Page, web: string, email: string): Promise<void> {
  await open(page, web);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByText(`Signed in as ${email}`)).toBeVisible();
}

export async function add(page: Page, title: string): Promise<void> {
  await page.getByLabel("New todo").fill(title);
  await page.getByRole("button", { name: "Add" }).click();
  await expect(page.getByRole("checkbox", { name: title })).toBeVisible();
}

/** An access token of the API's own, as another client of the same user would hold. */
export async function accessToken(request: APIRequestContext, api: string, email: string): Promise<string> {
  const answer = await request.post(`${api}/api/auth/token`, { data: { email, password: PASSWORD } });
  expect(answer.status()).toBe(200);
  return ((await answer.json()) as { access_token: string }).access_token;
}

/** Write a screenshot for the README into docs/images/. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ROOT, "docs", "images", name), animations: "disabled", caret: "hide" });
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/** Run axe-core on the page as it is; return its serious and critical violations. */
export async function seriousViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document) => Promise<{ violations: AxeViolation[]; passes: unknown[] }> } }).axe;
    const result = await axe.run(document);
    return { violations: result.violations, passes: result.passes.length };
  });
  // A run that checked nothing proves nothing.
  expect(violations.passes).toBeGreaterThan(10);
  return violations.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} at ${JSON.stringify(violation.nodes.map((node) => node.target))}`);
}
