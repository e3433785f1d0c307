// `cargo xtask bench banner` runs this with a Ward server serving a dist dir that holds
// three blank pages: Ward's banner (rendered into the page by that server),
// vanilla-cookieconsent v3 and klaro, each with the same four categories. The other two are
// served here, from the same precompressed files, by a plain static server: Ward's strict
// CSP (no inline styles) would break klaro, which injects its stylesheet. For each, in fresh browser contexts
// (empty cache), round-robin, RUNS times: the time from navigation start until the
// banner's "Reject all" button is visible (fully opaque) and clickable (it is what the
// browser hits at its centre), and the bytes transferred (headers included) by then.
// Prints one JSON document.
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { launch } from "../../e2e/lib/browser.mjs";

const WARD = process.argv[2];
const DIST = process.argv[3];
const RUNS = Number(process.argv[4] ?? 20);

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css" };
const statics = createServer(async (req, res) => {
  const name = path.basename(new URL(req.url, "http://x").pathname);
  const type = TYPES[path.extname(name)];
  const br = /\bbr\b/.test(req.headers["accept-encoding"] ?? "");
  try {
    const body = await readFile(path.join(DIST, br ? name + ".br" : name));
    const headers = { "content-type": type, "cache-control": "no-cache", vary: "accept-encoding" };
    if (br) headers["content-encoding"] = "br";
    res.writeHead(200, headers).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((ok) => statics.listen(0, "127.0.0.1", ok));
const STATIC = `http://127.0.0.1:${statics.address().port}`;

const CASES = [
  { name: "ward", base: WARD, path: "/", button: '#cc [data-cc="reject"]' },
  { name: "vanilla-cookieconsent", base: STATIC, path: "/vcc.html", button: '#cc-main [data-role="necessary"]' },
  { name: "klaro", base: STATIC, path: "/klaro.html", button: ".klaro .cn-decline" },
];

function probe(selector) {
  const opacity = (el) => {
    let o = 1;
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) o *= Number(getComputedStyle(e).opacity);
    return o;
  };
  const check = () => {
    const el = document.querySelector(selector);
    if (el) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.height > 0 && getComputedStyle(el).visibility === "visible" && opacity(el) > 0.99) {
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        if (hit && (hit === el || el.contains(hit))) {
          window.__bannerReady = performance.now();
          return;
        }
      }
    }
    requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
}

async function once(browser, c) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.addInitScript(probe, c.button);
  await page.goto(c.base + c.path);
  await page
    .waitForFunction(() => window.__bannerReady !== undefined, null, { timeout: 20000 })
    .catch((e) => Promise.reject(new Error(`${c.name}: the banner never became clickable (${e.message})`)));
  const r = await page.evaluate(() => {
    const t = window.__bannerReady;
    const entries = [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")];
    const by = entries.filter((e) => e.responseEnd <= t);
    return {
      ms: t,
      bytes: by.reduce((s, e) => s + e.transferSize, 0),
      body_bytes: by.reduce((s, e) => s + e.encodedBodySize, 0),
      files: by.map((e) => [new URL(e.name).pathname, e.transferSize]),
    };
  });
  await context.close();
  return r;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const browser = await launch();
const samples = Object.fromEntries(CASES.map((c) => [c.name, []]));
for (const c of CASES) await once(browser, c); // warm-up: the server's first answers
for (let i = 0; i < RUNS; i++) for (const c of CASES) samples[c.name].push(await once(browser, c));
await browser.close();
statics.close();

const results = {};
for (const c of CASES) {
  const s = samples[c.name];
  results[c.name] = {
    median_ms: Math.round(median(s.map((x) => x.ms)) * 10) / 10,
    min_ms: Math.round(Math.min(...s.map((x) => x.ms)) * 10) / 10,
    max_ms: Math.round(Math.max(...s.map((x) => x.ms)) * 10) / 10,
    median_bytes: median(s.map((x) => x.bytes)),
    median_body_bytes: median(s.map((x) => x.body_bytes)),
    files: s[0].files,
  };
}
const others = CASES.slice(1).map((c) => results[c.name]);
console.log(
  JSON.stringify(
    {
      runs: RUNS,
      what: "navigation start to the banner's Reject-all button visible and clickable; bytes transferred (with headers) by then; fresh context each run, Chromium headless, loopback",
      results,
      target: {
        no_slower_than_the_faster: results.ward.median_ms <= Math.min(...others.map((o) => o.median_ms)),
        no_heavier_than_the_lighter: results.ward.median_bytes <= Math.min(...others.map((o) => o.median_bytes)),
      },
    },
    null,
    2,
  ),
);
