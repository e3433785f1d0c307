// `cargo xtask bench live` (xtask builds the app, the server and the camera, then runs this).
// Starts the server and one camera agent on loopback, claims the camera, and measures in one
// Chromium run, side by side with the Chromium-to-Chromium loopback baseline:
//  - time from starting the peer connection (the player's start, our "click") to the first
//    decoded frame, over TRIES tries (median, p95);
//  - glass-to-glass latency read from the capture time burned into each frame (p50, p95);
//  - freezes over 30 s of playing (getStats freezeCount, totalFreezesDuration);
//  - the agent's CPU per viewer (/proc/<pid>/stat over the same 30 s, minus idle).
// Writes bench/results/live.json.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import os from "node:os";
import { waitLine } from "../lib/process.mjs";
import { launch } from "../lib/browser.mjs";
import { baselineTry } from "./live-baseline.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const STAMP = readFileSync(path.join(HERE, "../lib/stamp.js"), "utf8");
const SERVER = process.env.WARD_SERVER_BIN;
const CAMERA = process.env.WARD_CAMERA_BIN;
const DIST = process.env.WARD_DIST_DIR;
const OUT = process.env.WARD_BENCH_OUT;
const TRIES = Number(process.env.WARD_BENCH_TRIES ?? 20);
const PLAY_S = 30;

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : null;
};
const round = (x) => (x === null ? null : Math.round(x * 10) / 10);

function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks (100/s)
}

const data = path.join(os.tmpdir(), `ward-bench-live-${process.pid}`);
rmSync(data, { recursive: true, force: true });
mkdirSync(data, { recursive: true });
const camState = path.join(data, "cameras", "bench.json");
const init = spawn(CAMERA, ["--state", camState, "--manifest", path.join(data, "factory", "bench.jsonl"), "--init-only"]);
const [, serial, code] = await waitLine(init, /Camera serial: (\S+)\s+Camera code: ([A-Z]{6})/);
const server = spawn(SERVER, ["--addr", "127.0.0.1:0", "--data-dir", data, "--dist-dir", DIST, "--dev-pages"], { env: { ...process.env, RUST_LOG: "warn" } });
const url = (await waitLine(server, /listening on (\S+)/))[1];
const camera = spawn(CAMERA, ["--state", camState, "--server", url], { stdio: ["ignore", "pipe", "inherit"] });
camera.stdout.on("data", () => {});

const browser = await launch();
try {
  // A person and their camera, through the API.
  const email = "bench-live@example.com";
  const password = "correct horse battery staple";
  const ctx = await browser.newContext();
  const api = ctx.request;
  const rules = await (await api.get(url + "/api/signup")).json();
  await api.post(url + "/api/signup", {
    data: { name: "Bench", email, phone: "+44 20 7946 0958", password, region: "eu", birth_date: "1980-01-01", accepted_policy: rules.policy_version },
  });
  let mailCode;
  for (let i = 0; i < 50 && !mailCode; i++) {
    const m = (await (await api.get(url + "/api/dev/mailbox")).json()).find((x) => x.to.includes(email));
    mailCode = m?.text.match(/(?<!\d)\d{6}(?!\d)/)?.[0];
    if (!mailCode) await new Promise((r) => setTimeout(r, 100));
  }
  const verified = await api.post(url + "/api/signup/verify", { data: { email, code: mailCode, password } });
  if (verified.status() !== 204) throw new Error(`verify: ${verified.status()} ${await verified.text()}`);
  const session = await (await api.post(url + "/api/session", { data: { email, password } })).json();
  const claimed = await api.post(url + "/api/devices", { headers: { "x-csrf-token": session.csrf_token }, data: { serial, code } });
  const device = await claimed.json();
  for (let i = 0; i < 100 && !(await (await api.get(url + `/api/devices/${device.id}`)).json()).online; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await ctx.addInitScript(() => localStorage.setItem("ward.session", "1"));
  // Note when the player makes its peer connection (the start of a view).
  await ctx.addInitScript(() => {
    const Orig = window.RTCPeerConnection;
    window.__pcs = [];
    window.RTCPeerConnection = function (...args) {
      const pc = new Orig(...args);
      window.__pcStart = performance.now();
      window.__pcs.push(pc);
      return pc;
    };
    window.RTCPeerConnection.prototype = Orig.prototype;
  });

  /** One Ward try: open the live view, time the first frame, sample latencies for `ms`. */
  async function wardTry(page, ms) {
    await page.goto(url + `/live?ids=${device.id}`);
    await page.evaluate(STAMP);
    return page.evaluate(async (ms) => {
      const video = await new Promise((resolve) => {
        const find = () => {
          const v = document.querySelector(".live-frame video");
          if (v) resolve(v);
          else setTimeout(find, 5);
        };
        find();
      });
      const first = await new Promise((resolve) => video.requestVideoFrameCallback(() => resolve(performance.now())));
      const firstFrameMs = first - window.__pcStart;
      const latencies = await globalThis.wardSampleLatencies(video, ms);
      return { firstFrameMs, latencies };
    }, ms);
  }

  const results = { ward: { first: [], latency: [] }, baseline: { first: [], latency: [] } };
  for (let i = 0; i < TRIES; i++) {
    const b = await baselineTry(browser, { width: 640, height: 360, fps: 15, sampleMs: 2000 });
    results.baseline.first.push(b.firstFrameMs);
    results.baseline.latency.push(...b.latencies);
    results.baseline.codec = b.codec;
    const page = await ctx.newPage();
    const w = await wardTry(page, 2000);
    await page.goto("about:blank"); // leaving ends the session (pagehide)
    await page.close();
    results.ward.first.push(w.firstFrameMs);
    results.ward.latency.push(...w.latencies);
    await new Promise((r) => setTimeout(r, 300));
  }

  // 30 s of playing: freezes, and the agent's CPU for one viewer (minus its idle CPU).
  await new Promise((r) => setTimeout(r, 3000)); // sessions of the tries wind down
  const idle0 = cpuTicks(camera.pid);
  await new Promise((r) => setTimeout(r, 5000));
  const idlePerS = (cpuTicks(camera.pid) - idle0) / 5;
  const page = await ctx.newPage();
  await page.goto(url + `/live?ids=${device.id}`);
  await page.waitForFunction(() => document.querySelector(".live-frame video")?.videoWidth > 0, null, { timeout: 15000 });
  const t0 = cpuTicks(camera.pid);
  await new Promise((r) => setTimeout(r, PLAY_S * 1000));
  const playPerS = (cpuTicks(camera.pid) - t0) / PLAY_S;
  const stats = await page.evaluate(async () => {
    const pc = window.__pcs[window.__pcs.length - 1];
    const s = [...(await pc.getStats()).values()].find((x) => x.type === "inbound-rtp" && x.kind === "video");
    const codec = [...(await pc.getStats()).values()].find((x) => x.type === "codec")?.mimeType;
    return { freezeCount: s.freezeCount, totalFreezesDuration: s.totalFreezesDuration, framesDecoded: s.framesDecoded, framesDropped: s.framesDropped, fps: s.framesPerSecond, codec };
  });
  await page.close();

  const summary = (r) => ({
    first_frame_ms_median: round(pct(r.first, 50)),
    first_frame_ms_p95: round(pct(r.first, 95)),
    glass_to_glass_ms_p50: round(pct(r.latency, 50)),
    glass_to_glass_ms_p95: round(pct(r.latency, 95)),
    latency_samples: r.latency.length,
  });
  const report = {
    what: "cargo xtask bench live: Ward (camera agent → Chromium, server relays signalling only) vs Chromium-to-Chromium loopback",
    machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model}`,
    video: "640x360 at 15 fps, H.264 constrained baseline",
    tries: TRIES,
    ward: summary(results.ward),
    baseline: { ...summary(results.baseline), codec: results.baseline.codec },
    playing_30s: { ...stats, seconds: PLAY_S },
    agent_cpu_percent_per_viewer: round((playPerS - idlePerS) * 1), // ticks/s at 100 Hz = percent of one core
    agent_cpu_percent_idle: round(idlePerS),
    targets: {
      first_frame_within_2x_baseline_and_under_300ms: null,
      glass_to_glass_p95_within_1_5x_baseline: null,
      no_freezes: stats.freezeCount === 0,
    },
  };
  report.targets.first_frame_within_2x_baseline_and_under_300ms =
    report.ward.first_frame_ms_median <= 2 * report.baseline.first_frame_ms_median && report.ward.first_frame_ms_median < 300;
  report.targets.glass_to_glass_p95_within_1_5x_baseline = report.ward.glass_to_glass_ms_p95 <= 1.5 * report.baseline.glass_to_glass_ms_p95;
  writeFileSync(OUT, JSON.stringify(report, null, 2) + "\n");
  console.log(JSON.stringify(report, null, 2));
} finally {
  await browser.close();
  camera.kill("SIGKILL");
  server.kill("SIGTERM");
}
