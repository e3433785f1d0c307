// Every page a click away. Three people start at `/` and use only what they can see (links
// and buttons found by role and label, forms filled by label); nobody types an address,
// except `/` and a link read from a mail, as a person opens a mail. Each page of the app's
// route table (read from src/app.rs) that someone arrives at is recorded; the last test
// fails naming every page nobody could reach.
//   (a) a signed-out visitor: the public pages, then signs up and verifies the address;
//   (b) that person as an owner: signs in, the account pages, adds the demo camera, watches
//       it live by "Watch live" (video plays), its alarms, shares it with (c);
//   (c) an invitee (the privacy staff person, shared with privacy.test.mjs): accepts the
//       share, watches it, turns on marketing mail, opens the staff's requests queue, and
//       unsubscribes by the mail's link.
// Developer pages (`/dev/...`) are not for people and are left out.
// The owner uses the live view's camera (WARD_LIVE_CAMERA_STATE) and gives it back
// (removes it) at the end, so live.test.mjs, which runs next, can add it again.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { BASE, launch, openPage, appReady, screenshot } from "../lib/browser.mjs";
import { PASSWORD, STAFF, mailTo, staffSignedIn } from "../lib/account.mjs";

const CAMERA = process.env.WARD_CAMERA_BIN;
const STATE = process.env.WARD_LIVE_CAMERA_STATE;
const skip = !(CAMERA && STATE) && "WARD_CAMERA_BIN / WARD_LIVE_CAMERA_STATE not set";
/** How long anything a person waits for may take (a page, a camera coming online). */
const WAIT = 15000;

/** The route table's paths, as written in src/app.rs (`path!("/account/data")`). */
const ROUTES = [...readFileSync(new URL("../../src/app.rs", import.meta.url), "utf8").matchAll(/path!\("([^"]*)"\)/g)]
  .map((m) => m[1])
  .filter((p) => !p.startsWith("/dev/"));
const pattern = (route) =>
  new RegExp("^" + route.replace(/:[^/]+/g, "[^/]+").replace(/\*[^/]*/g, ".*") + "/?$");
/** Route → the people who arrived there. */
const reached = new Map(ROUTES.map((r) => [r, new Set()]));

const owner = {
  name: "Margaret Hamilton",
  email: `owner-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`,
};
let browser;
let camera;
let cameraName;
let device; // the claimed camera's id, to give it back at the end

before(async () => {
  browser = await launch();
  // The invitee has an account before the owner shares (made through the API if this file
  // runs first; their journey itself is all clicks).
  const context = await browser.newContext();
  await staffSignedIn(context);
  await context.close();
});
after(async () => {
  // Give the camera back: live.test.mjs adds the same one.
  if (device) {
    const context = await browser.newContext();
    const r = await context.request.post(BASE + "/api/session", { data: { email: owner.email, password: PASSWORD } });
    const csrf = (await r.json()).csrf_token;
    await context.request.delete(BASE + `/api/devices/${device}`, { headers: { "x-csrf-token": csrf } });
    await context.close();
  }
  if (camera && camera.exitCode === null) {
    const exited = new Promise((resolve) => camera.once("exit", resolve));
    camera.kill("SIGKILL");
    await exited;
  }
  await browser?.close();
});

/** Waits for what a person waits for; fails saying who waited for what, and where. */
async function see(who, locator, what, timeout = WAIT) {
  try {
    await locator.first().waitFor({ state: "visible", timeout });
  } catch {
    throw new Error(`${who}: did not see ${what} within ${timeout / 1000} s (at ${locator.page().url()})`);
  }
}

async function click(who, locator, what) {
  await see(who, locator, what);
  await locator.first().click();
}

/** Waits until the address is `path` and the page's heading shows, then records the route. */
async function arrive(who, page, path) {
  try {
    await page.waitForURL((u) => u.pathname === path || (path instanceof RegExp && path.test(u.pathname)), { timeout: WAIT });
  } catch {
    throw new Error(`${who}: expected to arrive at ${path}, but the address is ${page.url()}`);
  }
  await see(who, page.getByRole("main").getByRole("heading", { level: 1 }), `the heading of ${path}`);
  const at = new URL(page.url()).pathname;
  const route = ROUTES.find((r) => pattern(r).test(at));
  assert.ok(route, `${who}: ${at} is a page of the route table`);
  reached.get(route).add(who);
}

const mainNav = (page) => page.getByRole("navigation", { name: "Main" });
const accountNav = (page) => page.getByRole("navigation", { name: "Account", exact: true });
const footer = (page) => page.getByRole("navigation", { name: "Legal" });

/** Starts at `/`, the one address a person types. */
async function start(who, page) {
  await page.goto(BASE + "/");
  await appReady(page);
  await arrive(who, page, "/");
}

/** Signs in from the header's "Sign in": the form, then the account page. */
async function signIn(who, page, email) {
  await click(who, accountNav(page).getByRole("link", { name: "Sign in" }), `"Sign in" in the header`);
  await arrive(who, page, "/signin");
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await click(who, page.getByRole("main").getByRole("button", { name: "Sign in", exact: true }), `the "Sign in" button`);
  await arrive(who, page, "/account");
  await see(who, page.getByTestId("account-name"), "their name in the header");
}

/** On the live view: the player of `name` plays video (decoded frames, the "Live" state). */
async function watching(who, page, name) {
  const player = page.getByRole("region", { name: `Live camera: ${name}` });
  await see(who, player.getByText("Live", { exact: true }), `${name} playing live`);
  try {
    await page.waitForFunction(() => {
      const v = document.querySelector(".live-frame video");
      return v && v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > 5;
    }, null, { timeout: WAIT });
  } catch {
    throw new Error(`${who}: the video of ${name} did not play frames within ${WAIT / 1000} s`);
  }
}

test("(a) a signed-out visitor reaches the public pages and signs up", { skip }, async () => {
  const who = "visitor";
  const page = await openPage(browser);
  await start(who, page);
  await click(who, mainNav(page).getByRole("link", { name: "Privacy" }), `"Privacy" in the header`);
  await arrive(who, page, "/privacy");
  await click(who, footer(page).getByRole("link", { name: "Cookie policy" }), `"Cookie policy" in the footer`);
  await arrive(who, page, "/cookies");
  // Devices and alarms need an account: a visitor is not offered them, but signing in.
  assert.equal(await mainNav(page).getByRole("link", { name: "Devices" }).count(), 0, "no Devices for a visitor");
  await click(who, accountNav(page).getByRole("link", { name: "Sign in" }), `"Sign in" in the header`);
  await arrive(who, page, "/signin");
  // Someone who cannot sign in may still ask the privacy staff, and come back.
  const ask = "Cannot sign in, or deleted your account? Ask the privacy staff without one";
  await click(who, page.getByRole("main").getByRole("link", { name: ask }), `"${ask}"`);
  await arrive(who, page, "/requests/ask");
  await click(who, page.getByRole("main").getByRole("link", { name: "Sign in to follow your requests" }), `"Sign in to follow your requests"`);
  await arrive(who, page, "/signin");
  await click(who, page.getByRole("main").getByRole("link", { name: "Forgot your password?" }), `"Forgot your password?"`);
  await arrive(who, page, "/password-reset");

  const signUp = async (birthDate) => {
    await click(who, accountNav(page).getByRole("link", { name: "Create account" }), `"Create account" in the header`);
    await arrive(who, page, "/signup");
    await page.getByLabel("Full name").fill(owner.name);
    await page.getByLabel("Email address").fill(owner.email);
    await page.getByLabel("Phone number").fill("+44 20 7946 0958");
    await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
    // The invitee's region: sharing stays within one region.
    await page.getByLabel("Home region").selectOption("eu");
    await page.getByLabel("Date of birth").fill(birthDate);
    await page.getByRole("checkbox").check();
    await click(who, page.getByRole("button", { name: "Create account" }), `the "Create account" button`);
  };
  // Too young first: the age gate leads to the guardian page (nothing was kept); then again.
  await signUp("2016-05-01");
  await click(who, page.getByRole("main").getByRole("link", { name: "Go to the guardian page" }), `the age gate's "Go to the guardian page"`);
  await arrive(who, page, "/guardian");
  await signUp("1986-08-17");
  await arrive(who, page, "/signup/verify");
  const mail = await mailTo(page.request, owner.email, "Your Ward verification code");
  await page.getByLabel("Verification code").fill(mail.text.match(/Your code: (\d{6})/)[1]);
  // The password chosen at sign-up is typed again (it is never carried in the URL).
  await page.getByLabel("The password you chose").fill(PASSWORD);
  await click(who, page.getByRole("button", { name: "Verify" }), `the "Verify" button`);
  await see(who, page.getByText("Your email address is verified."), "that the address is verified");
  await page.context().close();
});

test("(b) an owner adds a camera, watches it by \"Watch live\", sees its alarms and shares it", { skip }, async () => {
  const who = "owner";
  camera = spawn(CAMERA, ["--state", STATE, "--server", BASE], { stdio: ["ignore", "pipe", "inherit"] });
  const serial = await new Promise((resolve, reject) => {
    let out = "";
    camera.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/Camera serial: (\S+)/);
      if (m && /Camera code: [A-Z]{6}/.test(out)) resolve(m[1]);
    });
    camera.once("exit", (code) => reject(new Error(`the camera agent exited (${code}) before printing its label`)));
    setTimeout(() => reject(new Error(`the camera agent printed no label within ${WAIT / 1000} s`)), WAIT).unref();
  });

  const page = await openPage(browser);
  await start(who, page);
  await signIn(who, page, owner.email);
  const tabs = page.getByRole("navigation", { name: "Account sections" });
  for (const [tab, path] of [
    ["Security", "/account/security"],
    ["Privacy center", "/account/privacy"],
    ["My data", "/account/data"],
    ["Requests", "/account/requests"],
    ["Delete account", "/account/delete"],
    ["Profile", "/account"],
  ]) {
    await click(who, tabs.getByRole("link", { name: tab }), `the account tab "${tab}"`);
    await arrive(who, page, path);
  }

  // The demo camera, added by the developer listing's "Use this camera" and "Add device".
  await click(who, mainNav(page).getByRole("link", { name: "Devices" }), `"Devices" in the header`);
  await arrive(who, page, "/devices");
  const demo = page.getByRole("listitem").filter({ has: page.getByTestId("demo-serial").filter({ hasText: serial }) });
  await click(who, demo.getByRole("button", { name: "Use this camera" }), `"Use this camera" beside ${serial}`);
  await click(who, page.getByRole("button", { name: "Add device" }), `the "Add device" button`);
  const added = page.getByRole("status").filter({ hasText: "was added." });
  await see(who, added, "that the camera was added");
  cameraName = (await added.textContent()).replace(/ was added\.$/, "").trim();
  const item = page.getByRole("listitem").filter({ has: page.getByRole("heading", { level: 3, name: cameraName }) });
  await see(who, item.getByTestId("device-status").filter({ hasText: "Online" }), `${cameraName} online`);

  await click(who, item.getByRole("link", { name: `Watch live: ${cameraName}` }), `"Watch live" on ${cameraName}`);
  await arrive(who, page, "/live");
  device = new URL(page.url()).searchParams.get("ids");
  await watching(who, page, cameraName);
  // The picker offers the same camera, ticked: the address is the choice.
  await click(who, page.getByText("Choose cameras"), `"Choose cameras"`);
  const picker = page.getByRole("group", { name: "Cameras to watch, up to four at once" });
  await see(who, picker.getByRole("checkbox", { name: cameraName, checked: true }), `${cameraName} ticked in the picker`);
  await screenshot(page, "journeys-owner-live");

  await click(who, mainNav(page).getByRole("link", { name: "Alarms" }), `"Alarms" in the header`);
  await arrive(who, page, "/events");

  // Shares it with the invitee, for the live view.
  await click(who, mainNav(page).getByRole("link", { name: "Devices" }), `"Devices" in the header`);
  await arrive(who, page, "/devices");
  await click(who, item.getByRole("button", { name: "Share", exact: true }), `"Share" on ${cameraName}`);
  await item.getByLabel("Their email").fill(STAFF);
  await item.getByRole("checkbox", { name: "Watch live" }).check();
  await click(who, item.getByRole("button", { name: "Share", exact: true }).last(), `the share form's "Share"`);
  const people = item.getByRole("list", { name: "People this camera is shared with" });
  await see(who, people.getByText("Invited"), "the invitation listed");
  // And with family who have no account yet: listed just like the invitee (nothing says
  // whether an address has an account), waiting for an answer; its terms changed in place,
  // then withdrawn.
  const family = `family-${Date.now()}@example.com`;
  await item.getByLabel("Their email").fill(family);
  await item.getByRole("checkbox", { name: "Watch live" }).check();
  await click(who, item.getByRole("button", { name: "Share", exact: true }).last(), `"Share" with ${family}`);
  const row = people.getByRole("listitem").filter({ hasText: family });
  await see(who, row.getByText(/waiting for an answer until/), "the family invitation, waiting for an answer");
  await see(who, people.getByRole("listitem").filter({ hasText: STAFF }).getByText(/waiting for an answer until/), "the invitee's share, alike");
  await click(who, row.getByRole("button", { name: `Change what ${family} may do` }), `"Change" on ${family}`);
  await row.getByRole("checkbox", { name: "See alarm pictures" }).check();
  await screenshot(page, "journeys-owner-share-change");
  await click(who, row.getByRole("button", { name: "Save the change" }), `"Save the change"`);
  await see(who, row.getByText(/Watch live, See alarm pictures/), "the new terms");
  await click(who, row.getByRole("button", { name: "Revoke" }), `"Revoke" on ${family}`);
  await row.waitFor({ state: "detached", timeout: WAIT }).catch(() => {
    throw new Error(`owner: the family invitation was still listed ${WAIT / 1000} s after "Revoke"`);
  });
  await page.context().close();
});

test("(c) an invitee accepts the share, watches it, and unsubscribes by the mail's link", { skip }, async () => {
  const who = "invitee";
  const page = await openPage(browser);
  await start(who, page);
  await signIn(who, page, STAFF);
  await click(who, mainNav(page).getByRole("link", { name: "Devices" }), `"Devices" in the header`);
  await arrive(who, page, "/devices");
  const shared = page.getByRole("region", { name: "Shared with you" });
  const share = shared.getByRole("listitem").filter({ hasText: cameraName }).filter({ hasText: "Margaret Hamilton" });
  await click(who, share.getByRole("button", { name: "Accept" }), `"Accept" on ${cameraName}`);
  await click(who, share.getByRole("link", { name: `Watch live: ${cameraName}` }), `"Watch live" on ${cameraName}`);
  await arrive(who, page, "/live");
  await watching(who, page, cameraName);

  // Marketing mail: on in the privacy center, then staff send one; its link unsubscribes.
  await click(who, accountNav(page).getByRole("link", { name: "Account" }), `"Account" in the header`);
  await arrive(who, page, "/account");
  await click(who, page.getByRole("navigation", { name: "Account sections" }).getByRole("link", { name: "Privacy center" }), `the tab "Privacy center"`);
  await arrive(who, page, "/account/privacy");
  const marketing = page.getByRole("switch", { name: "News and offers by email" });
  await see(who, marketing, "the marketing mail switch");
  if ((await marketing.getAttribute("aria-checked")) !== "true") {
    await marketing.click();
  }
  await see(who, page.getByRole("switch", { name: "News and offers by email", checked: true }), "marketing mail switched on");
  // As privacy staff, the requests console is one of their account's tabs.
  const staffTab = page.getByRole("navigation", { name: "Account sections" }).getByRole("link", { name: "Requests queue (privacy staff)" });
  await click(who, staffTab, `the tab "Requests queue (privacy staff)"`);
  await arrive(who, page, "/staff/requests");
  const csrf = (await (await page.request.get(BASE + "/api/session")).json()).csrf_token;
  const subject = `Ward news ${Date.now()}`;
  const sent = await page.request.post(BASE + "/api/privacy/marketing", {
    headers: { "x-csrf-token": csrf },
    data: { subject, text: "Sharing a camera is one click." },
  });
  assert.ok(sent.ok(), `staff send marketing mail: ${sent.status()} ${await sent.text()}`);
  const mail = await mailTo(page.request, STAFF, subject);
  const link = mail.text.match(/Unsubscribe with one click: (\S+)/)?.[1];
  assert.ok(link?.startsWith(BASE + "/unsubscribe/"), `the mail has an unsubscribe link: ${mail.text}`);
  await page.goto(link);
  await appReady(page);
  await arrive(who, page, /^\/unsubscribe\/[^/]+$/);
  await click(who, page.getByRole("button", { name: "Unsubscribe" }), `"Unsubscribe"`);
  await see(who, page.getByText("You are unsubscribed."), "that they are unsubscribed");
  await page.context().close();
});

test("every page of the route table is reached by someone", { skip }, async (t) => {
  assert.ok(ROUTES.length > 10, `src/app.rs lists the routes as path!("...") (found ${ROUTES.length})`);
  for (const [route, who] of reached) t.diagnostic(`${route}: ${[...who].join(", ") || "nobody"}`);
  const unreached = [...reached].filter(([, who]) => who.size === 0).map(([route]) => route);
  assert.deepEqual(unreached, [], `no one could reach: ${unreached.join(", ")}`);
});
