// A parent has a child's account deleted. The parent starts at `/`, tries to open an account
// for the child, meets the age gate and follows its link to the guardian page; asks, with the
// code mailed to them and a signed form uploaded, for the child's account to be deleted. The
// privacy staff find the request in their console, see the account the child's address leads
// to and the proof, and fulfil it: the child's account is gone (signing in fails; its row is
// not in the region's store), the child and the parent get the same deletion receipt. The
// guardian page passes axe-core in both languages and fits a phone.
// The child's account is made through the API from 127.0.0.2: the rest of the suite uses up
// the sign-ups one address may make in an hour.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { BASE, launch, openPage, appReady, areaLoaded, checkAxe, screenshot } from "../lib/browser.mjs";
import { PASSWORD, mailTo, signedUpFrom } from "../lib/account.mjs";
import { staffFulfil, staffOpenGuardianRequest } from "../lib/staff.mjs";

const DATA_DIR = process.env.WARD_E2E_DATA_DIR;
// A PNG's signature and a little more: the server reads the type from the first bytes.
const FORM = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from("a signed consent form")]);

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("a parent asks for a child's account to be deleted, and the privacy staff carry it out", async () => {
  const { email: child, id: childId } = await signedUpFrom("127.0.0.2", { region: "us", birth_date: "2012-06-01" });
  const parent = `parent-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;

  // The age gate leads to the guardian page.
  const page = await openPage(browser);
  await page.goto(BASE + "/");
  await appReady(page);
  await page.getByRole("navigation", { name: "Account", exact: true }).getByRole("link", { name: "Create account" }).click();
  await areaLoaded(page, "/signup");
  await page.getByLabel("Full name").fill("Sam Chen");
  await page.getByLabel("Email address").fill(`too-young-${Date.now()}@example.com`);
  await page.getByLabel("Phone number").fill("+1 202 555 0143");
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Home region").selectOption("us");
  await page.getByLabel("Date of birth").fill("2016-05-01");
  await page.getByRole("checkbox").check();
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("main").getByRole("link", { name: "Go to the guardian page" }).click();
  await areaLoaded(page, "/guardian");
  await page.getByRole("heading", { level: 1, name: "Ask about a child’s data" }).waitFor();

  // The parent proves their address with the mailed code and asks.
  await page.getByLabel("Your email address").fill(parent);
  await page.getByRole("button", { name: "Email me a code" }).click();
  const mail = await mailTo(page.request, parent, "Your code for a privacy request");
  await page.getByLabel("Code from the email").fill(mail.text.match(/Your code: (\d{6})/)[1]);
  await page.getByLabel("Your name").fill("Mei Chen");
  await page.getByRole("radio", { name: "Parent" }).check();
  await page.getByLabel("Where the child lives").selectOption("us");
  await page.getByText("A child here is under 13.").waitFor();
  await page.getByLabel("The child’s email address").fill(child);
  await page.getByRole("radio", { name: "To have the child’s account and data deleted" }).check();
  await page.getByRole("radio", { name: /A signed consent form/ }).check();
  // The form to print, sign and upload is a page of its own.
  const form = page.getByRole("link", { name: /consent form to print/ });
  const printed = await page.request.get(new URL(await form.getAttribute("href"), BASE).href);
  assert.equal(printed.status(), 200);
  assert.match(await printed.text(), /Parent or guardian form/);
  await page.getByLabel("Your proof").setInputFiles({ name: "consent-form.png", mimeType: "image/png", buffer: FORM });
  await checkAxe(page, "/guardian");
  await screenshot(page, "guardian-form-en");
  const sent = page.waitForResponse((r) => r.url().endsWith("/api/guardian/requests"));
  await page.getByRole("button", { name: "Send the request" }).click();
  const { id } = await (await sent).json();
  await page.getByText("Your request was filed.").waitFor();
  await screenshot(page, "guardian-filed-en");
  await mailTo(page.request, parent, "We received your request about a child");

  // The privacy staff: the request in the queue, the child's account and the proof, fulfilled.
  const { context: staffContext, desk, verify } = await staffOpenGuardianRequest(browser, id);
  await verify.getByText(child).waitFor();
  const proof = verify.getByRole("link", { name: "Open the proof" });
  const served = await desk.request.get(new URL(await proof.getAttribute("href"), BASE).href);
  assert.equal(served.status(), 200);
  assert.deepEqual(Buffer.from(await served.body()), FORM, "the proof the parent uploaded");
  await checkAxe(desk, "/staff/request, a guardian's");
  await screenshot(desk, "guardian-staff-en");
  await staffFulfil(desk, "We checked your signed form.");

  // The child's account is gone, with the same receipt to both.
  const receipt = await mailTo(page.request, child, "Your Ward account was deleted");
  const del = receipt.text.match(/Deletion receipt: (DEL-[0-9A-F]+)/)[1];
  const done = await mailTo(page.request, parent, "Your request is done");
  assert.ok(done.text.includes(del), `the parent's answer carries the receipt ${del}: ${done.text}`);
  const signIn = await page.request.post(BASE + "/api/session", { data: { email: child, password: PASSWORD } });
  assert.equal(signIn.status(), 401, "the child's account no longer signs in");
  // Nothing of the account is left in the stores: its rows, its consent records, its key.
  assert.ok(DATA_DIR, "WARD_E2E_DATA_DIR names the server's data dir");
  const count = (file, sql) => Number(execFileSync("sqlite3", [path.join(DATA_DIR, file), sql]).toString().trim());
  for (const table of ["people", "activity", "consent_ledger", "sessions"]) {
    const column = table === "people" ? "id" : "person_id";
    assert.equal(count("region-us.sqlite", `SELECT COUNT(*) FROM ${table} WHERE ${column} = '${childId}'`), 0, table);
  }
  assert.equal(count("ward.sqlite", `SELECT COUNT(*) FROM person_keys WHERE person_id = '${childId}'`), 0, "its key");

  // The guardian page in Chinese, at a phone's width.
  await page.evaluate(() => localStorage.setItem("ward.lang", "zh"));
  await page.goto(BASE + "/guardian");
  await areaLoaded(page, "/guardian (zh)");
  await page.getByRole("heading", { level: 1, name: "关于儿童数据的请求" }).waitFor();
  await checkAxe(page, "/guardian (zh)");
  await page.setViewportSize({ width: 375, height: 740 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the guardian page overflows by ${overflow}px at 375`);
  await screenshot(page, "guardian-form-zh-375");
  await page.evaluate(() => localStorage.setItem("ward.lang", "en"));
  await staffContext.close();
});
