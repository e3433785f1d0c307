// Devices, end to end: a real camera agent (ward-camera) and a real Chromium against the
// real server. The person adds the demo camera by its code, sees it online, sees an alarm
// picture, and sees it go offline when the camera process is killed.
// `cargo xtask test` provisions the camera before the server starts (its factory record
// is imported at start) and passes WARD_CAMERA_BIN and WARD_CAMERA_STATE.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { BASE, launch, openPage, axe, screenshot, appReady } from "../lib/browser.mjs";

const CAMERA = process.env.WARD_CAMERA_BIN;
const STATE = process.env.WARD_CAMERA_STATE;

let browser;
let camera;
before(async () => {
  browser = await launch();
});
after(async () => {
  camera?.kill("SIGKILL");
  await browser?.close();
});

async function checkAxe(page, what) {
  const violations = await axe(page);
  assert.deepEqual(violations, [], `${what}: ${JSON.stringify(violations, null, 1)}`);
}

/** Signs a new, verified person in, through the API, in the page's browser context. */
async function signedIn(page) {
  const email = `cam-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  const password = "correct-horse-battery-staple-42";
  const rules = await (await page.request.get(BASE + "/api/signup")).json();
  const r = await page.request.post(BASE + "/api/signup", {
    data: {
      name: "Grace Hopper", email, phone: "+44 20 7946 0958", password, region: "eu",
      birth_date: "1980-12-09", accepted_policy: rules.policy_version,
    },
  });
  assert.equal(r.status(), 201);
  let code;
  for (let i = 0; i < 50 && !code; i++) {
    const mail = (await (await page.request.get(BASE + "/api/dev/mailbox")).json()).find((m) => m.to.includes(email));
    code = mail?.text.match(/(?<!\d)\d{6}(?!\d)/)?.[0];
    if (!code) await page.waitForTimeout(100);
  }
  assert.equal((await page.request.post(BASE + "/api/signup/verify", { data: { email, code } })).status(), 204);
  assert.equal((await page.request.post(BASE + "/api/session", { data: { email, password } })).status(), 200);
  // The app remembers that this browser has signed in (see src/session.rs).
  await page.addInitScript(() => localStorage.setItem("ward.session", "1"));
}

test("a person adds the demo camera by its code, sees it online, sees an alarm picture, then sees it offline", { skip: !CAMERA && "WARD_CAMERA_BIN is not set" }, async () => {
  camera = spawn(CAMERA, ["--state", STATE, "--server", BASE, "--alarm-every", "2"], { stdio: ["ignore", "pipe", "inherit"] });
  const label = await new Promise((resolve) => {
    let out = "";
    camera.stdout.on("data", (d) => {
      out += d;
      if (/Camera code: [A-Z]{6}/.test(out)) resolve(out);
    });
  });
  const serial = label.match(/Camera serial: (\S+)/)[1];
  const code = label.match(/Camera code: ([A-Z]{6})/)[1];

  const page = await openPage(browser);
  await signedIn(page);
  await page.goto(BASE + "/devices");
  await appReady(page);
  await page.getByRole("heading", { level: 1, name: "Devices" }).waitFor();
  await page.getByText("No devices here yet.").waitFor();
  // The developer listing shows the demo camera's label; the person types the code.
  await page.getByTestId("demo-serial").filter({ hasText: serial }).waitFor();
  await checkAxe(page, "/devices (empty)");
  await page.getByLabel("Serial number").fill(serial);
  await page.getByLabel("Verification code").fill("ZZZZZZ" === code ? "YYYYYY" : "ZZZZZZ");
  await page.getByRole("button", { name: "Add device" }).click();
  await page.getByText("This code does not match the serial number.").waitFor();
  await page.getByLabel("Verification code").fill(code);
  await page.getByRole("button", { name: "Add device" }).click();
  await page.getByText("was added.").waitFor();
  const status = page.getByTestId("device-status");
  await status.filter({ hasText: "Online" }).waitFor({ timeout: 10000 });
  await page.getByText("127.0.0.1").waitFor();
  await checkAxe(page, "/devices");
  await screenshot(page, "devices-list");

  // An alarm with its picture (the camera raises one every 2 s once it has an owner).
  await page.getByRole("link", { name: "Alarm events" }).first().click();
  await page.waitForURL(/\/events\?device=/);
  const thumb = page.locator(".event-grid img").first();
  for (let i = 0; i < 30 && (await thumb.count()) === 0; i++) {
    await page.waitForTimeout(500);
    await page.getByRole("button", { name: "Apply" }).click();
  }
  await thumb.waitFor();
  await thumb.click();
  const full = page.locator(".event-full img");
  await full.waitFor();
  await page.waitForFunction(() => document.querySelector(".event-full img")?.naturalWidth === 640);
  await checkAxe(page, "/events");
  await screenshot(page, "devices-events");

  // Killed: the devices page shows it offline within 10 s, pushed by the server.
  await page.goto(BASE + "/devices");
  await status.filter({ hasText: "Online" }).waitFor({ timeout: 10000 });
  camera.kill("SIGKILL");
  await status.filter({ hasText: "Offline" }).waitFor({ timeout: 10000 });
  await screenshot(page, "devices-offline");
  assert.deepEqual(page.problems.filter((p) => !p.includes("422")), []);
  await page.context().close();
});
