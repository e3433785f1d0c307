// Shared set-up for the end-to-end tests: a real Chromium, the running server, axe-core.
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { createRequire } from "node:module";
import { readFileSync, mkdirSync } from "node:fs";
import path from "node:path";

export const BASE = process.env.WARD_URL ?? "http://127.0.0.1:8080";
const SHOTS = process.env.WARD_E2E_SHOTS;

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

// Chromium runs as root here and must not reach out to the network.
const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Chromium with the shared flags; `extraArgs` add to them (e.g. a fake camera). */
export async function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [...ARGS, ...extraArgs],
  });
}

/** A fresh page that records console errors and CSP violations. The cookie banner is
 *  already answered ("Reject all" for the current cookie policy) so it covers nothing;
 *  pass `{ banner: true }` to arrive as a first-time visitor instead. */
export async function openPage(browser, options = {}) {
  const { banner, ...contextOptions } = options;
  const context = await browser.newContext(contextOptions);
  if (!banner) await answerBanner(context, "0000");
  return pageIn(context);
}

/** A new page in `context` that records console errors and uncaught exceptions in
 *  `page.problems`. */
export async function pageIn(context) {
  const page = await context.newPage();
  page.problems = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") page.problems.push(msg.text());
  });
  page.on("pageerror", (err) => page.problems.push(String(err)));
  return page;
}

/** Sets the banner's cookie as consent.js would: `flags` are preferences, analytics,
 *  advertising and GPC, each 0 or 1; `base` is the server (e2e/shoot.mjs passes its URL's). */
export async function answerBanner(context, flags, base = BASE) {
  const r = await fetch(base + "/api/privacy/policies/cookies");
  const revision = (await r.json()).summary.version;
  const value = `1.${revision}.${flags}.${Math.floor(Date.now() / 1000)}`;
  // Passkey tests open Ward at localhost (a WebAuthn domain) instead of 127.0.0.1.
  const urls = [base, base.replace("127.0.0.1", "localhost")];
  await context.addCookies(urls.map((url) => ({ name: "ward_consent", value, url })));
}

/** Runs axe-core on the page. Evaluated through the debugging protocol, so the page's
 *  CSP (which rightly forbids inline scripts) does not block it. */
export async function axe(page) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5),
    }));
  });
  return result;
}

/** Fails the test with axe-core's findings on the page, if any. */
export async function checkAxe(page, what) {
  await areaLoaded(page, what);
  const violations = await axe(page);
  assert.deepEqual(violations, [], `${what}: ${JSON.stringify(violations, null, 1)}`);
}

export async function screenshot(page, name) {
  if (!SHOTS) return;
  await areaLoaded(page, name);
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** Waits until no area's wasm chunk is still on its way (src/areas.rs shows
 *  "Loading this page…" meanwhile, with no title or heading of the page yet). */
export async function areaLoaded(page, what) {
  await page
    .locator(".area-loading")
    .first()
    .waitFor({ state: "detached", timeout: 15000 })
    .catch(() => {
      throw new Error(`${what}: the page's area (wasm chunk) did not load within 15 s`);
    });
}

/** Waits until the app has mounted (the header is rendered by the wasm app). */
export async function appReady(page) {
  await page.getByRole("banner").waitFor({ state: "visible", timeout: 15000 });
}
