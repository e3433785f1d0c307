// The app shell, end to end: a real Chromium against the real server.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { BASE, launch, openPage, axe, screenshot, appReady } from "../lib/browser.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const PAGES = [
  { path: "/", name: "home", heading: "Your cameras, your data, your say." },
  { path: "/privacy", name: "privacy", heading: "Privacy policy" },
  { path: "/no-such-page", name: "deep-link-unknown", heading: "We can't find that page" },
];

test("the home page shows the API's health and version", async () => {
  const page = await openPage(browser);
  const response = await page.goto(BASE + "/");
  assert.equal(response.status(), 200);
  await appReady(page);
  const health = await (await page.request.get(BASE + "/api/health")).json();
  await page.getByText("All systems are working.").waitFor();
  assert.equal(await page.getByTestId("api-version").textContent(), health.version);
  assert.equal(await page.title(), "Home · Ward");
  assert.deepEqual(page.problems, []);
  await screenshot(page, "home-light");
});

test("deep links answer 200 with the app, which shows the page or a friendly 404", async () => {
  for (const { path, heading } of PAGES) {
    const page = await openPage(browser);
    const response = await page.goto(BASE + path);
    assert.equal(response.status(), 200, `${path} should answer 200`);
    await appReady(page);
    await page.getByRole("heading", { level: 1, name: heading }).waitFor();
    assert.deepEqual(page.problems, [], `no console errors or CSP violations on ${path}`);
  }
});

test("every answer carries the security headers, and the CSP allows nothing inline", async () => {
  for (const path of ["/", "/privacy", "/api/health", "/api/nope"]) {
    const response = await fetch(BASE + path);
    const h = response.headers;
    const csp = h.get("content-security-policy") ?? "";
    assert.ok(csp.includes("frame-ancestors 'none'"), `${path}: frame-ancestors`);
    assert.ok(csp.includes("'wasm-unsafe-eval'"), `${path}: wasm-unsafe-eval`);
    assert.ok(!csp.includes("'unsafe-inline'"), `${path}: no unsafe-inline`);
    assert.ok(!/'unsafe-eval'/.test(csp), `${path}: no unsafe-eval`);
    assert.equal(h.get("x-content-type-options"), "nosniff");
    assert.ok(h.get("referrer-policy"), `${path}: referrer-policy`);
    assert.match(h.get("permissions-policy") ?? "", /camera=\(self\)/);
    if (path.startsWith("/api")) assert.equal(h.get("cache-control"), "no-store");
  }
  const missing = await fetch(BASE + "/api/nope");
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).code, "not_found");
});

for (const theme of ["light", "dark"]) {
  test(`axe-core finds no violations on any shell page in the ${theme} theme`, async () => {
    const page = await openPage(browser, { colorScheme: theme });
    for (const { path, name } of PAGES) {
      await page.goto(BASE + path);
      await appReady(page);
      await page.getByRole("heading", { level: 1 }).waitFor();
      if (path === "/") await page.getByText("All systems are working.").waitFor();
      const violations = await axe(page);
      assert.deepEqual(violations, [], `${path} in ${theme}: ${JSON.stringify(violations, null, 1)}`);
      await screenshot(page, `${name}-${theme}`);
    }
  });
}

test("the theme choice overrides the system and survives a reload", async () => {
  const page = await openPage(browser, { colorScheme: "light" });
  await page.goto(BASE + "/");
  await appReady(page);
  await page.getByLabel("Theme").selectOption("dark");
  const root = page.locator("html");
  assert.equal(await root.getAttribute("data-theme"), "dark");
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(await bg(), "rgb(15, 20, 26)");
  await page.reload();
  await appReady(page);
  assert.equal(await root.getAttribute("data-theme"), "dark");
  assert.equal(await bg(), "rgb(15, 20, 26)");
  await page.getByLabel("Theme").selectOption("system");
  assert.equal(await root.getAttribute("data-theme"), null);
  assert.equal(await bg(), "rgb(246, 248, 250)");
});

test("switching to Simplified Chinese translates the shell and is remembered", async () => {
  const page = await openPage(browser);
  await page.goto(BASE + "/");
  await appReady(page);
  await page.getByLabel("Language").selectOption("zh");
  await page.getByRole("heading", { level: 1, name: "您的摄像头，您的数据，由您做主。" }).waitFor();
  assert.equal(await page.locator("html").getAttribute("lang"), "zh");
  await page.reload();
  await appReady(page);
  await page.getByRole("navigation", { name: "法律信息" }).getByRole("link", { name: "隐私政策" }).click();
  await page.getByRole("heading", { level: 1, name: "隐私政策" }).waitFor();
  assert.equal(new URL(page.url()).pathname, "/privacy");
  const violations = await axe(page);
  assert.deepEqual(violations, [], JSON.stringify(violations, null, 1));
  await screenshot(page, "privacy-zh");
});

test("the footer links reach the privacy and cookie policies and reopen the cookie settings", async () => {
  const page = await openPage(browser);
  await page.goto(BASE + "/");
  await appReady(page);
  const footer = page.getByRole("contentinfo");
  await footer.getByRole("button", { name: "Cookie settings" }).click();
  await page.getByRole("region", { name: "Cookies on Ward" }).waitFor();
  await page.keyboard.press("Escape");
  await page.getByRole("region", { name: "Cookies on Ward" }).waitFor({ state: "hidden" });
  await footer.getByRole("link", { name: "Cookie policy" }).click();
  await page.getByRole("heading", { level: 1, name: "Cookie policy" }).waitFor();
  await footer.getByRole("link", { name: "Privacy policy" }).click();
  await page.getByRole("heading", { level: 1, name: "Privacy policy" }).waitFor();
});

test("the shell fits a 360 px wide phone without sideways scrolling", async () => {
  const page = await openPage(browser, { viewport: { width: 360, height: 740 } });
  for (const { path, name } of PAGES) {
    await page.goto(BASE + path);
    await appReady(page);
    await page.getByRole("heading", { level: 1 }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${path} overflows by ${overflow}px`);
    await screenshot(page, `${name}-phone`);
  }
});

test("the keyboard reaches the skip link first and it moves focus to the content", async () => {
  const page = await openPage(browser);
  await page.goto(BASE + "/privacy");
  await appReady(page);
  await page.keyboard.press("Tab");
  const focused = page.locator(":focus");
  assert.equal(await focused.textContent(), "Skip to content");
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "main");
});

test("the real build is served precompressed, hashed assets are immutable, the page is not", async () => {
  const index = await fetch(BASE + "/", { headers: { "accept-encoding": "br, gzip" } });
  assert.equal(index.headers.get("content-encoding"), "br");
  assert.equal(index.headers.get("cache-control"), "no-cache");
  const html = await index.text();
  const wasm = html.match(/(\/ward-[0-9a-f]{16}_bg\.wasm)/)?.[1];
  assert.ok(wasm, "index.html preloads the hashed wasm");
  for (const encoding of ["br", "gzip"]) {
    const r = await fetch(BASE + wasm, { headers: { "accept-encoding": encoding } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get("content-encoding"), encoding);
    assert.match(r.headers.get("cache-control") ?? "", /immutable/);
    assert.equal(r.headers.get("content-type"), "application/wasm");
  }
  assert.equal((await fetch(BASE + "/robots.txt")).status, 200);
  assert.equal((await fetch(BASE + "/favicon.ico")).status, 404);
});

// The sign-in page lives in a wasm chunk with its words in a table of their own (src/areas.rs,
// src/i18n.rs): either failing, as when offline or after a new deployment replaced the files,
// gives the same message and the same way out.
for (const [part, files] of [
  ["its code", /\/(split|chunk)_[a-z0-9]+-[0-9a-f]+\.wasm$/],
  ["its words", /\/words-[a-z]+-[a-z]+-[0-9a-f]{16}\.json$/],
]) {
  test(`a page whose part of the app (${part}) cannot be downloaded says so, and reloading brings it`, async () => {
    const page = await openPage(browser);
    await page.context().route(files, (route) => route.abort());
    await page.goto(BASE + "/");
    await appReady(page);
    await page.getByRole("banner").getByRole("link", { name: "Sign in" }).click();
    const alert = page.getByRole("alert");
    await alert.getByRole("heading", { level: 1, name: "This page could not be loaded" }).waitFor();
    assert.match(await alert.textContent(), /you may be offline, or a new version of Ward has been published/);
    assert.equal(await page.title(), "This page could not be loaded · Ward");
    const violations = await axe(page);
    assert.deepEqual(violations, [], JSON.stringify(violations, null, 1));
    await screenshot(page, part === "its code" ? "chunk-failed" : "words-failed");

    await page.context().unroute(files);
    await alert.getByRole("button", { name: "Reload the page" }).click();
    await page.getByRole("heading", { level: 1, name: "Sign in to Ward" }).waitFor();
    assert.equal(new URL(page.url()).pathname, "/signin");
  });
}

test("an area's words come with it, in the reader's language only; a switch fetches the other", async () => {
  const page = await openPage(browser);
  const tables = [];
  page.on("request", (r) => {
    const m = r.url().match(/\/words-([a-z]+)-([a-z]+)-[0-9a-f]{16}\.json$/);
    if (m) tables.push(`${m[1]}-${m[2]}`);
  });
  await page.goto(BASE + "/");
  await appReady(page);
  await page.getByRole("heading", { level: 1, name: "Your cameras, your data, your say." }).waitFor();
  assert.deepEqual(tables, [], "the home page fetches no word table: its words are in the main module");

  await page.getByRole("banner").getByRole("link", { name: "Sign in" }).click();
  await page.getByRole("heading", { level: 1, name: "Sign in to Ward" }).waitFor();
  await page.getByLabel("Email address").waitFor();
  assert.deepEqual(tables, ["entry-en"], "the sign-in page brings its area's English words, no more");

  await page.getByLabel("Language").selectOption("zh");
  await page.getByRole("heading", { level: 1, name: "登录 Ward" }).waitFor();
  assert.deepEqual(tables, ["entry-en", "entry-zh"], "switching fetches the area's Chinese words once");
  assert.equal(await page.locator("html").getAttribute("lang"), "zh");
  assert.deepEqual(page.problems, []);
});
