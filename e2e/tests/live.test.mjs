// The live view, end to end: a real camera agent (ward-camera, streaming with ward-live) and
// a real Chromium against the real server, which only relays the offer and the answer. The
// person opens the live view: frames decode; leaving the page ends the camera's session;
// another account cannot watch; privacy mode refuses with a clear message.
// `cargo xtask test` provisions this camera before the server starts (WARD_LIVE_CAMERA_STATE).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { BASE, launch, openPage, screenshot, appReady, checkAxe } from "../lib/browser.mjs";
import { signedIn } from "../lib/account.mjs";

const CAMERA = process.env.WARD_CAMERA_BIN;
const STATE = process.env.WARD_LIVE_CAMERA_STATE;

let browser;
let camera;
before(async () => {
  browser = await launch();
});
after(async () => {
  camera?.kill("SIGKILL");
  await browser?.close();
});

test("live view: frames decode, leaving ends the session, others and privacy mode are refused", { skip: !(CAMERA && STATE) && "WARD_CAMERA_BIN / WARD_LIVE_CAMERA_STATE not set" }, async () => {
  camera = spawn(CAMERA, ["--state", STATE, "--server", BASE], { stdio: ["ignore", "pipe", "pipe"] });
  // The camera says how many viewers it streams to ("viewers=N") whenever that changes.
  // Whole lines only: a line may arrive in several chunks.
  let viewers = null;
  let pending = "";
  camera.stderr.on("data", (d) => {
    const lines = (pending + d).split("\n");
    pending = lines.pop();
    for (const line of lines) {
      const m = line.match(/viewers=(\d+)/);
      if (m) viewers = Number(m[1]);
    }
  });
  const viewersBecome = async (n) => {
    for (let i = 0; i < 100 && viewers !== n; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(viewers, n, `the camera streams to ${n} viewer(s)`);
  };
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
  const csrf = await signedIn(page, "Grace Hopper");
  const headers = { "x-csrf-token": csrf };
  const claimed = await page.request.post(BASE + "/api/devices", { headers, data: { serial, code } });
  assert.equal(claimed.status(), 201);
  const device = await claimed.json();
  for (let i = 0; i < 100; i++) {
    if ((await (await page.request.get(BASE + `/api/devices/${device.id}`)).json()).online) break;
    await page.waitForTimeout(100);
  }

  // The session's URL, from the relayed answer, to check that leaving ends it.
  let location;
  page.on("response", (r) => {
    if (r.request().method() === "POST" && r.url().endsWith(`/api/devices/${device.id}/live`)) {
      location = r.headers()["location"];
    }
  });
  // Nothing chosen yet: the picker is open; ticking the camera and "Watch" puts it in the
  // address, so the choice can be bookmarked.
  await page.goto(BASE + "/live");
  await appReady(page);
  await page.getByRole("heading", { level: 1, name: "Live view" }).waitFor();
  const picker = page.getByRole("group", { name: "Cameras to watch, up to four at once" });
  // By keyboard: Space ticks, Tab goes on to "Watch", Enter watches.
  await picker.getByRole("checkbox", { name: device.name }).focus();
  await page.keyboard.press("Space");
  await picker.getByText("1 of 4 chosen.").waitFor();
  await checkAxe(page, "/live (choosing cameras)");
  await screenshot(page, "live-picker");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Watch", "Tab reaches Watch");
  await page.keyboard.press("Enter");
  await page.waitForURL(BASE + `/live?ids=${device.id}`);
  const player = page.getByRole("region", { name: "Live camera" });
  await player.getByText("Live", { exact: true }).waitFor({ timeout: 10000 });
  // Decoded frames of the camera's picture: its size, and a growing frame count.
  await page.waitForFunction(() => {
    const v = document.querySelector(".live-frame video");
    return v && v.videoWidth === 640 && v.getVideoPlaybackQuality().totalVideoFrames > 5;
  }, null, { timeout: 10000 });
  await player.getByRole("button", { name: "Statistics" }).click();
  await player.getByText(/640×360/).waitFor({ timeout: 5000 });
  await checkAxe(page, "/live (playing)");
  await screenshot(page, "live-playing");
  assert.ok(location, "the answer named the session");

  await viewersBecome(1);

  // Leaving the page (in the app) ends the session: the camera stops, the URL is gone.
  // The header's own "Account" (it shows once the session is known; a looser match could
  // take the home page's "Create an account" while the session still loads).
  await page.getByRole("navigation", { name: "Account", exact: true }).getByRole("link", { name: "Account", exact: true }).click();
  await page.waitForURL(/\/account/);
  await viewersBecome(0);
  assert.equal((await page.request.delete(BASE + location, { headers })).status(), 404, "already ended");
  // Leaving the app altogether (another site, a closed tab) ends it too.
  await page.goto(BASE + `/live?ids=${device.id}`);
  await player.getByText("Live", { exact: true }).waitFor({ timeout: 10000 });
  await viewersBecome(1);
  await page.goto("about:blank");
  await viewersBecome(0);

  // Four chosen (a bookmark may name cameras that are gone): a fifth cannot be ticked, and
  // the note it points to says why; clearing one frees it.
  await page.goto(BASE + "/live?ids=gone1,gone2,gone3,gone4");
  await page.getByText("This camera is not on your account, nor shared with you.").first().waitFor();
  await page.getByText("Choose cameras").click();
  const fifth = picker.getByRole("checkbox", { name: device.name });
  await picker.getByText("Four cameras are chosen, the most at once. Clear one to choose another.").waitFor();
  assert.ok(await fifth.isDisabled(), "a fifth camera cannot be chosen");
  assert.equal(await fifth.getAttribute("aria-describedby"), "live-pick-note");
  await checkAxe(page, "/live (four chosen)");
  await screenshot(page, "live-picker-full");
  await picker.getByRole("checkbox", { name: "Camera gone1" }).uncheck();
  await fifth.check();
  await page.getByRole("button", { name: "Watch", exact: true }).click();
  await page.waitForURL(BASE + `/live?ids=gone2,gone3,gone4,${device.id}`);

  // Another account may not watch (the same answer as for a camera that does not exist).
  const other = await openPage(browser);
  await signedIn(other, "Alan Turing");
  await other.goto(BASE + `/live?ids=${device.id}`);
  await other.getByText("This camera is not on your account, nor shared with you.").waitFor();

  // Shared with Alan for its alarms only: he accepts, and the live view is refused (403)
  // with its own message. Grace shares from the device's panel on the devices page.
  const alanEmail = (await (await other.request.get(BASE + "/api/session")).json()).account.email;
  await page.goto(BASE + "/devices");
  await appReady(page);
  const item = page.getByRole("listitem").filter({ has: page.getByRole("heading", { level: 3 }) }).first();
  await item.getByRole("button", { name: "Share", exact: true }).click();
  await item.getByLabel("Their email").fill(alanEmail);
  await item.getByRole("button", { name: "Share", exact: true }).last().click();
  await item.getByText("Choose at least one thing they may do.").waitFor();
  await item.getByLabel("See alarm pictures").check();
  await item.getByRole("button", { name: "Share", exact: true }).last().click();
  const shareRow = item.getByRole("list", { name: "People this camera is shared with" }).getByRole("listitem");
  await shareRow.getByText("Invited").waitFor();
  // Until Alan answers, Grace sees the address she typed, not his name: a share never tells
  // whether an address has an account.
  await shareRow.getByText(alanEmail).waitFor();
  await shareRow.getByText(/waiting for an answer until/).waitFor();
  await checkAxe(page, "/devices (sharing panel)");
  await screenshot(page, "devices-sharing");

  await other.goto(BASE + "/devices");
  await appReady(other);
  const shared = other.getByRole("region", { name: "Shared with you" });
  await shared.getByText("from Grace Hopper").waitFor();
  await shared.getByRole("button", { name: "Accept" }).click();
  await shared.getByText("Accepted").waitFor();
  await shared.getByRole("link", { name: "Alarm events" }).waitFor();
  assert.equal(await shared.getByRole("link", { name: "Watch live" }).count(), 0, "no live view was granted");
  await checkAxe(other, "/devices (shared with you)");
  await screenshot(other, "devices-shared-with-you");
  const refused = other.waitForResponse((r) => r.url().endsWith(`/api/devices/${device.id}/live`));
  await other.goto(BASE + `/live?ids=${device.id}`);
  assert.equal((await refused).status(), 403);
  await other.getByText("The camera's owner shared it with you, but not its live view.").waitFor();
  await screenshot(other, "live-not-granted");
  await other.context().close();

  // Privacy mode: a clear message, and no connection is even attempted by the camera.
  const patched = await page.request.patch(BASE + `/api/devices/${device.id}`, { headers, data: { privacy_mode: true } });
  assert.equal(patched.status(), 200);
  await page.goto(BASE + `/live?ids=${device.id}`);
  await page.getByText(/Privacy mode is on for this camera/).waitFor();
  await checkAxe(page, "/live (privacy mode)");
  await screenshot(page, "live-privacy");
  // 404/409: refused live views; 422: the share form sent without a permission.
  assert.deepEqual(page.problems.filter((p) => !/status of (40[49]|422)/.test(p)), []);
  await page.context().close();
});
