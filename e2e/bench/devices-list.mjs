// Run by `cargo xtask bench devices` (server/examples/bench_devices.rs) once 10,000 devices
// are seeded: the time from navigation to the devices list visible in Chromium, over TRIES
// loads in a fresh browser context each (nothing cached: the app is downloaded and compiled
// every time) and TRIES reloads in one context (the app cached, as on a return visit).
// "Visible" is the first device card in the DOM and painted (a MutationObserver records
// performance.now(), i.e. ms since navigation start, then waits one animation frame).
// Prints one JSON line with the figures.
import { launch, answerBanner } from "../lib/browser.mjs";

const URL = process.env.WARD_URL;
const EMAIL = process.env.WARD_BENCH_EMAIL;
const PASSWORD = process.env.WARD_BENCH_PASSWORD;
const TRIES = Number(process.env.WARD_BENCH_TRIES ?? 20);

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] * 10) / 10;
};

function watchList() {
  new MutationObserver((_, obs) => {
    if (document.querySelector(".device-list li")) {
      obs.disconnect();
      requestAnimationFrame(() => (window.__listVisible = performance.now()));
    }
  }).observe(document, { childList: true, subtree: true });
}

async function context(browser) {
  const ctx = await browser.newContext();
  await answerBanner(ctx, "0000");
  const r = await ctx.request.post(URL + "/api/session", { data: { email: EMAIL, password: PASSWORD } });
  if (r.status() !== 200) throw new Error(`sign-in: ${r.status()}`);
  await ctx.addInitScript(() => {
    try {
      localStorage.setItem("ward.session", "1");
    } catch {}
  });
  await ctx.addInitScript(watchList);
  return ctx;
}

async function load(page) {
  await page.goto(URL + "/devices");
  await page.waitForFunction(() => window.__listVisible !== undefined, null, { timeout: 30000 });
  const cards = await page.locator(".device-list li").count();
  return { ms: await page.evaluate(() => window.__listVisible), cards };
}

const browser = await launch();
const cold = [];
let cards = 0;
for (let i = 0; i < TRIES; i++) {
  const ctx = await context(browser);
  const r = await load(await ctx.newPage());
  cold.push(r.ms);
  cards = r.cards;
  await ctx.close();
}
const warm = [];
const ctx = await context(browser);
const page = await ctx.newPage();
await load(page); // fills the cache
for (let i = 0; i < TRIES; i++) warm.push((await load(page)).ms);
await browser.close();
console.log(JSON.stringify({
  tries: TRIES,
  cards_on_first_page: cards,
  fresh_context_ms: { median: pct(cold, 50), p95: pct(cold, 95) },
  cached_app_ms: { median: pct(warm, 50), p95: pct(warm, 95) },
}));
