// Run by `cargo xtask bench nav`: the time from navigation start until a page's main content
// is visible, in a fresh browser context each try (nothing cached: the main module and the
// area's chunk are downloaded and compiled every time), for the home page, the sign-in page,
// the devices list and the privacy center. "Visible" is the page's <h1> inside <main> in the
// DOM and painted (a MutationObserver records performance.now(), ms since navigation start,
// then waits one animation frame). Writes median and p95 per page to WARD_BENCH_OUT.
import { spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import os from "node:os";
import { waitLine } from "../lib/process.mjs";
import { launch } from "../lib/browser.mjs";

const SERVER = process.env.WARD_SERVER_BIN;
const DIST = process.env.WARD_DIST_DIR;
const OUT = process.env.WARD_BENCH_OUT;
const TRIES = Number(process.env.WARD_BENCH_TRIES ?? 20);
const PASSWORD = "correct-horse-battery-staple-42";
// The heading each page shows once its content is there (not the "Loading this page…" line).
const PAGES = [
  { path: "/", signedIn: false },
  { path: "/signin", signedIn: false },
  { path: "/devices", signedIn: true },
  { path: "/account/privacy", signedIn: true },
];

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] * 10) / 10;
};

function watchHeading() {
  new MutationObserver((_, obs) => {
    if (document.querySelector("main h1")) {
      obs.disconnect();
      requestAnimationFrame(() => (window.__contentVisible = performance.now()));
    }
  }).observe(document, { childList: true, subtree: true });
}

const data = path.join(os.tmpdir(), `ward-bench-nav-${process.pid}`);
rmSync(data, { recursive: true, force: true });
mkdirSync(data, { recursive: true });
const server = spawn(SERVER, ["--addr", "127.0.0.1:0", "--data-dir", data, "--dist-dir", DIST, "--dev-pages"], {
  env: { ...process.env, RUST_LOG: "warn" },
  stdio: ["ignore", "pipe", "inherit"],
});
const url = (await waitLine(server, /listening on (\S+)/))[1];

const browser = await launch();
try {
  // One verified person, signed in afresh in every context.
  const email = `bench-nav-${Date.now()}@example.com`;
  const setup = await browser.newContext();
  const rules = await (await setup.request.get(url + "/api/signup")).json();
  const made = await setup.request.post(url + "/api/signup", {
    data: {
      name: "Nav Bench", email, phone: "+44 20 7946 0958", password: PASSWORD, region: "eu",
      birth_date: "1980-12-09", accepted_policy: rules.policy_version,
    },
  });
  if (made.status() !== 201) throw new Error(`sign-up: ${made.status()} ${await made.text()}`);
  let code;
  const deadline = Date.now() + 10000;
  while (!code) {
    if (Date.now() > deadline) throw new Error("no verification mail within 10 s");
    const mail = (await (await setup.request.get(url + "/api/dev/mailbox")).json()).find((m) => m.to.includes(email));
    code = mail?.text.match(/(?<!\d)\d{6}(?!\d)/)?.[0];
    if (!code) await new Promise((r) => setTimeout(r, 100));
  }
  const verified = await setup.request.post(url + "/api/signup/verify", { data: { email, code, password: PASSWORD } });
  if (verified.status() !== 204) throw new Error(`verify: ${verified.status()} ${await verified.text()}`);
  await setup.close();
  const revision = (await (await fetch(url + "/api/privacy/policies/cookies")).json()).summary.version;

  const results = {};
  for (const p of PAGES) {
    const times = [];
    for (let i = 0; i < TRIES; i++) {
      const ctx = await browser.newContext();
      // The banner answered, so nothing covers the page.
      await ctx.addCookies([{ name: "ward_consent", value: `1.${revision}.0000.${Math.floor(Date.now() / 1000)}`, url }]);
      if (p.signedIn) {
        const r = await ctx.request.post(url + "/api/session", { data: { email, password: PASSWORD } });
        if (r.status() !== 200) throw new Error(`sign-in: ${r.status()}`);
        await ctx.addInitScript(() => localStorage.setItem("ward.session", "1"));
      }
      await ctx.addInitScript(watchHeading);
      const page = await ctx.newPage();
      await page.goto(url + p.path);
      await page.waitForFunction(() => window.__contentVisible !== undefined, null, { timeout: 30000 }).catch(() => {
        throw new Error(`${p.path}: no <h1> in <main> within 30 s`);
      });
      if (p.signedIn && new URL(page.url()).pathname !== p.path) {
        throw new Error(`${p.path}: ended at ${page.url()} (not signed in?)`);
      }
      times.push(await page.evaluate(() => window.__contentVisible));
      await ctx.close();
    }
    results[p.path] = { median_ms: pct(times, 50), p95_ms: pct(times, 95), tries: TRIES };
    console.log(`${p.path}: median ${results[p.path].median_ms} ms, p95 ${results[p.path].p95_ms} ms`);
  }
  writeFileSync(
    OUT,
    JSON.stringify(
      {
        what: "navigation start to the page's <h1> painted, fresh browser context each try (nothing cached), loopback",
        target_p95_ms: 300,
        pages: results,
      },
      null,
      2,
    ) + "\n",
  );
} finally {
  await browser.close();
  server.kill("SIGTERM");
}
