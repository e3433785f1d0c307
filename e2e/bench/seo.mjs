// Run by `cargo xtask bench seo`: Lighthouse's SEO audit, as a search engine's crawler sees
// Ward, on the public pages (target: 100 each) and on an account page (which must stay out:
// `noindex` and a disallow in robots.txt, so its "is crawlable" audit must fail). Lighthouse
// drives the same Debian Chromium the tests use; it comes from WARD_LIGHTHOUSE_DIR (installed
// there once by xtask, not an e2e dependency). Writes each page's score and its failed audits
// to WARD_BENCH_OUT.
import { spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import os from "node:os";
import { waitLine } from "../lib/process.mjs";

const SERVER = process.env.WARD_SERVER_BIN;
const DIST = process.env.WARD_DIST_DIR;
const OUT = process.env.WARD_BENCH_OUT;
const require = createRequire(path.join(process.env.WARD_LIGHTHOUSE_DIR, "package.json"));
const lighthouse = (await import(require.resolve("lighthouse"))).default;
const chromeLauncher = await import(require.resolve("chrome-launcher"));

const PUBLIC = ["/", "/privacy", "/cookies", "/signup", "/signin"];
const PRIVATE = ["/account"];

const data = path.join(os.tmpdir(), `ward-bench-seo-${process.pid}`);
rmSync(data, { recursive: true, force: true });
mkdirSync(data, { recursive: true });
const server = spawn(SERVER, ["--addr", "127.0.0.1:0", "--data-dir", data, "--dist-dir", DIST], {
  env: { ...process.env, RUST_LOG: "warn" },
  stdio: ["ignore", "pipe", "inherit"],
});
const url = (await waitLine(server, /listening on (\S+)/))[1];
const chrome = await chromeLauncher.launch({
  chromePath: "/usr/bin/chromium",
  chromeFlags: ["--headless=new", "--no-sandbox"],
});
try {
  const pages = {};
  for (const p of [...PUBLIC, ...PRIVATE]) {
    const run = await lighthouse(url + p, { port: chrome.port, onlyCategories: ["seo"], logLevel: "error" });
    const lhr = run.lhr;
    const failed = lhr.categories.seo.auditRefs
      .map((a) => lhr.audits[a.id])
      .filter((a) => a.score !== null && a.score < 1)
      .map((a) => a.id);
    pages[p] = { score: Math.round(lhr.categories.seo.score * 100), failed };
    console.log(`${p}: SEO ${pages[p].score}${failed.length ? ` (failed: ${failed.join(", ")})` : ""}`);
  }
  const publicMet = PUBLIC.every((p) => pages[p].score === 100);
  const privateOut = PRIVATE.every((p) => pages[p].failed.includes("is-crawlable"));
  writeFileSync(
    OUT,
    JSON.stringify(
      {
        what: "Lighthouse SEO category (mobile emulation), Debian Chromium, loopback",
        lighthouse: lighthouse.version ?? require("lighthouse/package.json").version,
        target: "100 on every public page; private pages not crawlable",
        pages,
        public_pages_at_100: publicMet,
        private_pages_kept_out: privateOut,
      },
      null,
      2,
    ) + "\n",
  );
  if (!publicMet || !privateOut) process.exitCode = 1;
} finally {
  await chrome.kill();
  server.kill("SIGTERM");
}
