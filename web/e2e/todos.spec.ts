import { accessToken, add, expect, open, PASSWORD, screenshot, seriousViolations, signIn, signUp, test } from "./fixtures";

test("create an account, sign out, and sign in again", async ({ page, web }) => {
  await open(page, web);
  await screenshot(page, "web-sign-in.png");
  await signUp(page, web, "ann@example.com");
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  // Signed out for good: a reload does not resume the sign-in.
  await page.reload();
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();

  await page.getByLabel("Email").fill("ann@example.com");
  await page.getByLabel("Password").fill("not-the-password-1");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Invalid email or password" })).toBeVisible();
  await signIn(page, web, "ann@example.com");
});

test("the todo cycle: add, rename, complete, filter, delete, page", async ({ page, web, api, request }) => {
  await signUp(page, web, "bob@example.com");
  for (const title of ["Buy milk", "Walk the dog", "Write the report"]) await add(page, title);
  await expect(page.getByRole("listitem")).toHaveCount(3);

  await page.getByRole("button", { name: "Rename Walk the dog" }).click();
  await page.getByLabel("Title").fill("Walk the cat");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByRole("checkbox", { name: "Walk the cat" })).toBeVisible();
  await page.getByRole("button", { name: "Rename Buy milk" }).click();
  await page.getByLabel("Title").fill("Buy bread");
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("checkbox", { name: "Buy milk" })).toBeVisible();

  await page.getByRole("checkbox", { name: "Buy milk" }).click();
  await expect(page.getByRole("checkbox", { name: "Buy milk" })).toBeChecked();

  await page.getByRole("button", { name: "Completed" }).click();
  await expect(page.getByRole("button", { name: "Completed" })).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByRole("button", { name: "All" })).toHaveAttribute("aria-pressed", "false");
  await expect(page.getByRole("checkbox")).toHaveCount(1);
  await expect(page.getByRole("checkbox", { name: "Buy milk" })).toBeVisible();
  await page.getByRole("button", { name: "Open" }).click();
  await expect(page.getByRole("checkbox")).toHaveCount(2);
  await expect(page.getByRole("checkbox", { name: "Buy milk" })).toHaveCount(0);
  await page.getByRole("button", { name: "All" }).click();

  await page.getByRole("button", { name: "Delete Write the report" }).click();
  await expect(page.getByRole("checkbox", { name: "Write the report" })).toHaveCount(0);
  await expect(page.getByRole("checkbox")).toHaveCount(2);
  await screenshot(page, "web-todos.png");

  // Twenty-one more, straight through the API: the list pages by twenty.
  const token = await accessToken(request, api, "bob@example.com");
  for (let n = 1; n <= 21; n += 1) {
    const made = await request.post(`${api}/api/todos`, {
      headers: { Authorization: `Bearer ${token}` },
      data: { title: `Chore ${n}` },
    });
    expect(made.status()).toBe(201);
  }
  await page.reload();
  await expect(page.getByText("Page 1 of 2 (23 todos)")).toBeVisible();
  await expect(page.getByRole("checkbox")).toHaveCount(20);
  await expect(page.getByRole("button", { name: "Previous page" })).toBeDisabled();
  await page.getByRole("button", { name: "Next page" }).click();
  await expect(page.getByText("Page 2 of 2 (23 todos)")).toBeVisible();
  await expect(page.getByRole("checkbox")).toHaveCount(3);
  await expect(page.getByRole("checkbox", { name: "Buy milk" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Next page" })).toBeDisabled();
  await page.getByRole("button", { name: "Previous page" }).click();
  await expect(page.getByRole("checkbox", { name: "Chore 21" })).toBeVisible();
});

test("a reload stays signed in, and a duplicated tab never spends the token", async ({ page, context, web, api }) => {
  await context.addInitScript(() => {
    // What the page starts with, before the app runs: a copied sign-in, or none.
    (window as unknown as { startedWith: boolean }).startedWith = sessionStorage.getItem("todo.session") !== null;
  });
  await signUp(page, web, "carol@example.com");
  await add(page, "Keep me");

  const refreshes: string[] = [];
  context.on("request", (request) => {
    if (request.url() === `${api}/api/auth/refresh`) refreshes.push(request.url());
  });
  await page.reload();
  await expect(page.getByRole("checkbox", { name: "Keep me" })).toBeVisible();
  expect(refreshes).toHaveLength(1);

  // window.open copies the opener's sessionStorage, as duplicating a tab does.
  const [copy] = await Promise.all([
    context.waitForEvent("page"),
    page.evaluate(() => void window.open(window.location.href)),
  ]);
  await expect(copy.getByRole("button", { name: "Sign in" })).toBeVisible();
  expect(await copy.evaluate(() => (window as unknown as { startedWith: boolean }).startedWith)).toBe(true);
  expect(refreshes).toHaveLength(1);
  await copy.close();

  // The original's token was left alone, so its sign-in lives on.
  await page.reload();
  await expect(page.getByRole("checkbox", { name: "Keep me" })).toBeVisible();
  expect(refreshes).toHaveLength(2);
});

test("a todo changed in another browser answers 412 and shows its current state", async ({ page, browser, web }) => {
  await signUp(page, web, "dave@example.com");
  await add(page, "Buy milk");

  const elsewhere = await browser.newContext();
  const other = await elsewhere.newPage();
  await signIn(other, web, "dave@example.com");
  await other.getByRole("button", { name: "Rename Buy milk" }).click();
  await other.getByLabel("Title").fill("Buy oat milk");
  await other.getByRole("button", { name: "Save" }).click();
  await expect(other.getByRole("checkbox", { name: "Buy oat milk" })).toBeVisible();
  await elsewhere.close();

  // This page still shows version 1: its If-Match no longer matches.
  await page.getByRole("checkbox", { name: "Buy milk" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "This todo changed elsewhere" })).toBeVisible();
  const current = page.getByRole("checkbox", { name: "Buy oat milk" });
  await expect(current).not.toBeChecked();
  await current.click();
  await expect(current).toBeChecked();
});

test("a create whose answers were lost is retried with its key and makes one todo", async ({ page, web, api, request }) => {
  await signUp(page, web, "erin@example.com");
  const keys: string[] = [];
  const replayed: string[] = [];
  await page.route(`${api}/api/todos`, async (route) => {
    const sent = route.request();
    if (sent.method() !== "POST") return route.fallback();
    keys.push(sent.headers()["idempotency-key"] ?? "");
    // First the connection drops before the API sees the request...
    if (keys.length === 1) return route.abort("connectionreset");
    const answer = await route.fetch();
    // ...then the API makes the todo, but its answer is lost behind a 503.
    if (keys.length === 2) {
      return route.fulfill({
        status: 503,
        headers: { ...answer.headers(), "retry-after": "1" },
        json: { detail: "Service temporarily unavailable" },
      });
    }
    replayed.push(answer.headers()["idempotent-replayed"] ?? "");
    return route.fulfill({ response: answer });
  });
  await add(page, "Buy milk");
  expect(keys).toHaveLength(3);
  expect(new Set(keys).size).toBe(1);
  expect(keys[0]).not.toBe("");
  expect(replayed).toEqual(["true"]);
  await expect(page.getByRole("checkbox", { name: "Buy milk" })).toHaveCount(1);

  const token = await accessToken(request, api, "erin@example.com");
  const listed = await request.get(`${api}/api/todos`, { headers: { Authorization: `Bearer ${token}` } });
  expect(((await listed.json()) as { count: number }).count).toBe(1);
});

test("a locked sign-in says when to try again, in words", async ({ page, web }) => {
  await signUp(page, web, "fay@example.com");
  await page.getByRole("button", { name: "Sign out" }).click();
  for (let attempt = 1; attempt <= 6; attempt += 1) {
    await page.getByLabel("Email").fill("fay@example.com");
    await page.getByLabel("Password").fill(`wrong-${attempt}-${PASSWORD}`);
    await page.getByRole("button", { name: "Sign in" }).click();
    // Locked until 15 minutes after the first failure, so a slow run may read 14.
    const expected = attempt <= 5 ? "Invalid email or password" : /^Too many attempts\. Try again in 1[45] minutes\.$/;
    await expect(page.getByRole("alert").filter({ hasText: expected })).toBeVisible();
  }
});

test("axe finds no serious or critical violation, signed out or in", async ({ page, web }) => {
  await open(page, web);
  expect(await seriousViolations(page)).toEqual([]);
  await signUp(page, web, "gus@example.com");
  await add(page, "Buy milk");
  await page.getByRole("checkbox", { name: "Buy milk" }).click();
  await add(page, "Walk the dog");
  expect(await seriousViolations(page)).toEqual([]);
  await page.getByRole("button", { name: "Rename Walk the dog" }).click();
  expect(await seriousViolations(page)).toEqual([]);
});

test("a sign-in the API revoked sends the user back to the form, saying so", async ({ page, web, api, request }) => {
  await signUp(page, web, "hal@example.com");
  // A password change elsewhere revokes every refresh token of the account.
  const token = await accessToken(request, api, "hal@example.com");
  const changed = await request.post(`${api}/api/auth/password`, {
    headers: { Authorization: `Bearer ${token}` },
    data: { current_password: PASSWORD, new_password: `new-${PASSWORD}` },
  });
  expect(changed.status()).toBe(204);
  await page.reload();
  await expect(page.getByRole("alert").filter({ hasText: "Your session has ended. Sign in again." })).toBeVisible();
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
});
