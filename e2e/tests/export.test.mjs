// "Download my data" end to end, in English and Chinese: from the home page to Account →
// My data, the archive asked for with the password, its progress followed until it is
// ready, the mail read in the developer mailbox, the archive downloaded and unzipped, and
// its index.html opened from disk (no network, no script), looked at and checked by axe-core.
// Reuses the privacy staff's account (sign-ups are limited to 10 an hour from one address).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BASE, launch, pageIn, appReady, answerBanner, checkAxe, screenshot } from "../lib/browser.mjs";
import { staffSignedIn, mailTo, PASSWORD, STAFF } from "../lib/account.mjs";

const WAIT = 15000;
let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** A signed-in context of the staff person, in `lang`, whose downloads are kept, with no
 *  archive (an earlier one is deleted, so the one waited for is this test's). */
async function staffContext(lang) {
  const context = await browser.newContext({ acceptDownloads: true });
  await answerBanner(context, "0000");
  const { csrf } = await staffSignedIn(context);
  await context.addInitScript((l) => localStorage.setItem("ward.lang", l), lang);
  const gone = await context.request.delete(BASE + "/api/privacy/exports/current", { headers: { "x-csrf-token": csrf } });
  assert.ok([204, 404].includes(gone.status()), `no archive left from before: ${gone.status()}`);
  return context;
}

/** Waits for `locator` to be visible, failing with what was awaited. */
async function see(locator, what) {
  await locator.waitFor({ state: "visible", timeout: WAIT }).catch(() => {
    throw new Error(`${what} did not appear within ${WAIT / 1000} s`);
  });
}

/** Downloads the archive by its link, unzips it, and answers the folder. */
async function downloadAndUnzip(page, link) {
  const [download] = await Promise.all([page.waitForEvent("download", { timeout: WAIT }), link.click()]);
  const dir = mkdtempSync(path.join(tmpdir(), "ward-export-"));
  const zip = path.join(dir, "archive.zip");
  await download.saveAs(zip);
  assert.match(download.suggestedFilename(), /^ward-data-\d{4}-\d{2}-\d{2}\.zip$/);
  const out = path.join(dir, "unpacked");
  execFileSync("unzip", ["-q", zip, "-d", out]);
  for (const f of ["index.html", "data.json", "schema.json", "consent-ledger.json", "consent-ledger.txt"]) {
    assert.ok(existsSync(path.join(out, f)), `${f} is in the archive`);
  }
  return out;
}

/** Opens the unpacked index.html from disk; it must fetch nothing and run no script. */
async function openSummary(context, folder, title, name) {
  const html = readFileSync(path.join(folder, "index.html"), "utf8");
  assert.ok(!/<script/i.test(html), "index.html has no script");
  const page = await pageIn(context);
  const fetched = [];
  page.on("request", (r) => {
    if (!r.url().startsWith("file:")) fetched.push(r.url());
  });
  await page.goto("file://" + path.join(folder, "index.html"));
  await see(page.getByRole("heading", { level: 1, name: title }), `the archive's heading "${title}"`);
  await screenshot(page, name);
  await checkAxe(page, name);
  assert.deepEqual(fetched, [], "the summary opens with no network");
  assert.deepEqual(page.problems, [], "no console errors");
  await page.close();
}

test("English: from the home page to My data, the archive is made, mailed, downloaded and read", async () => {
  const context = await staffContext("en");
  const page = await pageIn(context);
  await page.goto(BASE + "/");
  await appReady(page);
  // The header's own "Account" (it shows once the session is known; a looser match could
  // take the home page's "Create an account" while the session still loads).
  await page.getByRole("navigation", { name: "Account", exact: true }).getByRole("link", { name: "Account", exact: true }).click();
  await page.waitForURL(BASE + "/account", { timeout: WAIT });
  await page.getByRole("navigation", { name: "Account sections" }).getByRole("link", { name: "My data" }).click();
  await page.waitForURL(BASE + "/account/data", { timeout: WAIT });
  const panel = page.getByRole("region", { name: "Download my data" });
  await see(panel, "the export panel");
  await checkAxe(page, "my data with the export panel");
  await panel.getByLabel("Your current password").fill(PASSWORD);
  const since = Date.now();
  const start = panel.getByRole("button", { name: "Make my archive" });
  await start.click();
  // The progress bar shows while the archive is built (a small account's takes well under
  // a second, so it may be gone already); then the archive is ready.
  const progress = panel.getByRole("progressbar", { name: "Progress of your archive" });
  const ready = panel.getByText("Your archive is ready.");
  await Promise.race([see(progress, "the progress bar"), see(ready, "the ready archive")]);
  await see(ready, "that the archive is ready");
  await see(panel.getByText(/It is deleted on/), "when the archive is deleted");
  await screenshot(page, "export-ready-en");
  await checkAxe(page, "my data with a ready archive");

  const mail = await mailTo(context.request, STAFF, "Your Ward data archive is ready");
  assert.ok(Date.parse(mail.date) >= since - 2000, "the mail is this archive's");
  assert.match(mail.text, /\/account\/data/);

  const folder = await downloadAndUnzip(page, panel.getByRole("link", { name: /Download the archive/ }));
  const data = JSON.parse(readFileSync(path.join(folder, "data.json"), "utf8"));
  assert.equal(data.format, "ward-export");
  assert.equal(data.language, "en");
  assert.ok(data.sections.account.tables.people.records.length === 1, "the person's own record");
  await openSummary(context, folder, "Your data at Ward", "export-index-en");
  await context.close();
});

test("Chinese: the panel and the archive's summary are in Chinese", async () => {
  const context = await staffContext("zh");
  const page = await pageIn(context);
  await page.goto(BASE + "/account/data");
  await appReady(page);
  const panel = page.getByRole("region", { name: "下载我的数据" });
  await see(panel, "the export panel in Chinese");
  await panel.getByLabel("您当前的密码").fill(PASSWORD);
  await panel.getByRole("button", { name: "生成我的存档" }).click();
  await see(panel.getByText("您的存档已准备好。"), "that the archive is ready, in Chinese");
  await see(page.getByRole("region", { name: "将副本发送给一项服务" }), "the part that sends a copy, in Chinese");
  await see(page.getByRole("region", { name: "为您自己选择的服务生成链接" }), "the one-time link part, in Chinese");
  await screenshot(page, "export-ready-zh");
  await checkAxe(page, "my data with a ready archive, in Chinese");
  const folder = await downloadAndUnzip(page, panel.getByRole("link", { name: /下载存档/ }));
  assert.match(readFileSync(path.join(folder, "index.html"), "utf8"), /<html lang="zh-CN">/);
  await openSummary(context, folder, "您在 Ward 的数据", "export-index-zh");
  await context.close();
});

test("Sent on: a copy to the developer receiver, signed and delivered; a one-time link that works once", async () => {
  const context = await staffContext("en");
  const page = await pageIn(context);
  await page.goto(BASE + "/account/data");
  await appReady(page);
  const panel = page.getByRole("region", { name: "Download my data" });
  await see(panel, "the export panel");
  await panel.getByLabel("Your current password").fill(PASSWORD);
  await panel.getByRole("button", { name: "Make my archive" }).click();
  await see(panel.getByText("Your archive is ready."), "that the archive is ready");

  // A service chosen, the sentence of exactly what leaves for where, then sent.
  const send = page.getByRole("region", { name: "Send a copy to a service" });
  await see(send, "the part that sends a copy");
  await send.getByRole("button", { name: "Continue" }).click();
  await see(send.getByText("Choose a service first."), "the error beside the choices");
  await send.getByRole("radio", { name: "Developer receiver" }).check();
  await send.getByRole("button", { name: "Continue" }).click();
  await see(send.getByText(/will be sent to Developer receiver .* at http:\/\/127\.0\.0\.1:\d+\/api\/dev\/recipient\./), "what will be sent, to whom and where");
  await screenshot(page, "export-send-confirm-en");
  await checkAxe(page, "the copy about to be sent");
  await send.getByRole("button", { name: "Send the copy" }).click();
  await see(send.getByText(/^Delivered /), "the copy delivered");
  await screenshot(page, "export-send-delivered-en");
  const received = await (await context.request.get(BASE + "/api/dev/recipient")).json();
  const last = received[received.length - 1];
  assert.ok(last && last.intact && last.signature_valid, `the receiver checked the copy: ${JSON.stringify(last)}`);

  // The consent ledger names where the copy went.
  await page.getByRole("navigation", { name: "Account sections" }).getByRole("link", { name: "Privacy center" }).click();
  await see(page.getByText("A copy of your data to Developer receiver").first(), "the copy in the consent history");
  await screenshot(page, "export-send-ledger-en");
  await page.getByRole("navigation", { name: "Account sections" }).getByRole("link", { name: "My data" }).click();

  // A one-time link: made, shown once, fetched once by someone without a session.
  const own = page.getByRole("region", { name: "A link for a service of your own" });
  await see(own, "the one-time link part");
  await own.getByRole("button", { name: "Make a one-time link" }).click();
  await see(own.getByText("Say who the link is for, so you know it again in the list."), "the label's error");
  await own.getByLabel("Who is it for?").fill("My photo frame");
  await own.getByRole("button", { name: "Make a one-time link" }).click();
  const box = own.getByRole("textbox", { name: "The link" });
  await see(box, "the link, shown once");
  const url = await box.inputValue();
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/api\/privacy\/exports\/link\/eu\./);
  await screenshot(page, "export-link-en");
  await checkAxe(page, "a one-time link made");
  const stranger = await browser.newContext();
  const first = await stranger.request.get(url);
  assert.equal(first.status(), 200, "the link works");
  assert.equal(first.headers()["content-type"], "application/zip");
  assert.equal((await stranger.request.get(url)).status(), 404, "and only once");
  await stranger.close();
  await page.reload();
  await appReady(page);
  await see(page.getByRole("region", { name: "A link for a service of your own" }).getByText(/^Used /), "the link listed as used");
  await context.close();
});
