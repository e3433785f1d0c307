// Devices, end to end: a real camera agent (ward-camera) and a real Chromium against the
// real server. The person adds the demo camera by its code, sees it online, sees an alarm
// picture, and sees it go offline when the camera process is killed.
// `cargo xtask test` provisions the camera before the server starts (its factory record
// is imported at start) and passes WARD_CAMERA_BIN and WARD_CAMERA_STATE.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { BASE, launch, openPage, screenshot, appReady, checkAxe } from "../lib/browser.mjs";
import { signedIn } from "../lib/account.mjs";
import { pngToY4m } from "../lib/y4m.mjs";

const CAMERA = process.env.WARD_CAMERA_BIN;
const STATE = process.env.WARD_CAMERA_STATE;
// A second camera whose label is scanned; `cargo xtask test` wrote its QR code as a PNG.
const SCAN_STATE = process.env.WARD_SCAN_CAMERA_STATE;
const SCAN_QR = process.env.WARD_SCAN_CAMERA_QR;

let browser;
let camera;
before(async () => {
  browser = await launch();
});
after(async () => {
  camera?.kill("SIGKILL");
  await browser?.close();
});

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

test("a person adds a camera by holding its QR label up to the webcam", { skip: !(SCAN_STATE && SCAN_QR) && "WARD_SCAN_CAMERA_STATE / WARD_SCAN_CAMERA_QR not set" }, async () => {
  // Chromium's fake camera plays the label the agent printed, as a webcam would see it.
  const video = path.join(mkdtempSync(path.join(os.tmpdir(), "ward-scan-")), "label.y4m");
  pngToY4m(SCAN_QR, video);
  const scanner = await launch([
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    `--use-file-for-fake-video-capture=${video}`,
  ]);
  try {
    const { serial } = JSON.parse(readFileSync(SCAN_STATE, "utf8"));
    const page = await openPage(scanner);
    await page.context().grantPermissions(["camera"], { origin: BASE });
    await signedIn(page, "Katherine Johnson");
    await page.goto(BASE + "/devices");
    await appReady(page);
    await page.getByText("No devices here yet.").waitFor();
    await page.getByRole("button", { name: "Scan the QR label" }).click();
    await page.getByRole("group", { name: "Scan the label" }).waitFor();
    await page.getByText("Hold the QR code on the camera's label up to your camera.").waitFor();
    await screenshot(page, "devices-scan");
    await checkAxe(page, "/devices (scanning)");
    // The worker reads the label; the camera is claimed at once and the scanner closes.
    await page.getByText("was added.").waitFor({ timeout: 15000 });
    await page.getByRole("group", { name: "Scan the label" }).waitFor({ state: "detached" });
    await page.locator(".device-list").getByText(serial).waitFor();
    // The webcam is released once the scanner closes.
    assert.equal(await page.evaluate(() => document.querySelectorAll("video").length), 0);
    await screenshot(page, "devices-scanned");
    assert.deepEqual(page.problems, []);
  } finally {
    await scanner.close();
  }
});
