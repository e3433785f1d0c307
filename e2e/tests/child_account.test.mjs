// A child in China opens an account with a parent's consent. The child starts at `/`, signs
// up with their date of birth (under 14), is asked for a parent's address instead of being
// refused, proves their own address and is told the account waits; signing in says so. The
// parent follows the link of the mail they received to the guardian page, which opens on
// "consent" and China, and sends an ID document. The privacy staff see that the account waits
// for this very parent and carry it out. The child signs in and finds marketing locked off in
// the privacy center; the parent, signed in to their own account, finds the child there,
// downloads a copy of the child's data and deletes the account.
// axe-core on each new view; the privacy center in Chinese at a phone's width.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { BASE, launch, openPage, appReady, areaLoaded, checkAxe, screenshot } from "../lib/browser.mjs";
import { PASSWORD, mailTo, routeFrom, signedUpFrom } from "../lib/account.mjs";
import { staffFulfil, staffOpenGuardianRequest } from "../lib/staff.mjs";

// A PNG's signature and a little more: the server reads the type from the first bytes.
const ID_PHOTO = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from("a photo of an ID card")]);

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function signIn(page, email) {
  await page.getByRole("navigation", { name: "Account", exact: true }).getByRole("link", { name: "Sign in" }).click();
  await areaLoaded(page, "/signin");
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("main").getByRole("button", { name: "Sign in", exact: true }).click();
}

test("a child in China signs up with a parent's consent and finds marketing locked off", async () => {
  const stamp = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const child = `lin-${stamp}@example.com`;
  const parent = `mei-${stamp}@example.com`;

  // The child signs up; under 14 in China, the form asks for a parent's or guardian's address.
  const page = await openPage(browser);
  await routeFrom(page, "127.0.0.3", "/api/signup");
  await page.goto(BASE + "/");
  await appReady(page);
  await page.getByRole("navigation", { name: "Account", exact: true }).getByRole("link", { name: "Create account" }).click();
  await areaLoaded(page, "/signup");
  await page.getByLabel("Full name").fill("Lin Chen");
  await page.getByLabel("Email address").fill(child);
  await page.getByLabel("Phone number").fill("+86 139 1099 8888");
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Home region").selectOption("cn");
  await page.getByLabel("Date of birth").fill("2016-05-01");
  await page.getByRole("checkbox").check();
  await page.getByRole("button", { name: "Create account" }).click();
  const guardianField = page.getByLabel("Your parent’s or guardian’s email address");
  await guardianField.waitFor();
  await page.getByText("Under 14, a parent or guardian must agree to your account").waitFor();
  await checkAxe(page, "/signup, a child's");
  await screenshot(page, "child-signup-en");
  await guardianField.fill(parent);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(/\/signup\/verify/, { timeout: 10_000 });
  const code = (await mailTo(page.request, child, "Your Ward verification code")).text.match(/Your code: (\d{6})/)[1];
  await page.getByLabel("Verification code").fill(code);
  await page.getByLabel("The password you chose").fill(PASSWORD);
  await page.getByRole("button", { name: "Verify" }).click();
  await page.getByText("We have emailed your parent or guardian to ask for their consent.").waitFor();
  // Until the parent consents, signing in says why not, beside the address.
  await signIn(page, child);
  await page.getByText(/This account waits for your parent’s or guardian’s consent|This account waits for your parent's or guardian's consent/).waitFor();

  // The parent follows the mail's link: the guardian page, on "consent" and China.
  const ask = await mailTo(page.request, parent, "A child asks for your consent to a Ward account");
  assert.ok(ask.text.includes(child), `the mail names the child's address: ${ask.text}`);
  const link = ask.text.match(/\/guardian\?ask=consent&region=cn/)[0];
  const guardian = await openPage(browser);
  await guardian.goto(BASE + link);
  await areaLoaded(guardian, "/guardian");
  await guardian.getByLabel("Your email address").fill(parent);
  await guardian.getByRole("button", { name: "Email me a code" }).click();
  const codeMail = await mailTo(guardian.request, parent, "Your code for a privacy request");
  await guardian.getByLabel("Code from the email").fill(codeMail.text.match(/Your code: (\d{6})/)[1]);
  await guardian.getByLabel("Your name").fill("Mei Chen");
  await guardian.getByRole("radio", { name: "Parent" }).check();
  assert.equal(await guardian.getByLabel("Where the child lives").inputValue(), "cn", "the mail's region is chosen");
  assert.ok(await guardian.getByRole("radio", { name: "To consent to the child’s account" }).isChecked(), "the mail's ask is chosen");
  await guardian.getByLabel("The child’s email address").fill(child);
  await guardian.getByRole("radio", { name: /An ID document/ }).check();
  await guardian.getByLabel("Your proof").setInputFiles({ name: "id.png", mimeType: "image/png", buffer: ID_PHOTO });
  const sent = guardian.waitForResponse((r) => r.url().endsWith("/api/guardian/requests"));
  await guardian.getByRole("button", { name: "Send the request" }).click();
  const { id } = await (await sent).json();
  await guardian.getByText("Your request was filed.").waitFor();

  // The privacy staff: the account waits for this parent's consent; done as asked.
  const { context: staffContext, desk, verify } = await staffOpenGuardianRequest(browser, id);
  await verify.getByText(child).waitFor();
  await verify.getByTestId("guardian-consent").getByText("naming this person as their parent or guardian").waitFor();
  await checkAxe(desk, "/staff/request, a guardian's consent");
  await screenshot(desk, "child-consent-staff-en");
  await staffFulfil(desk, "We checked your ID document.");
  await staffContext.close();
  await mailTo(page.request, child, "Your Ward account is open");

  // The child signs in: marketing is locked off, with no switch to turn it on.
  await signIn(page, child);
  await areaLoaded(page, "/account");
  await page.getByRole("navigation", { name: "Account sections" }).getByRole("link", { name: "Privacy center" }).click();
  await page.getByTestId("child-locked").waitFor();
  const marketing = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: "News and offers by email" }) });
  await marketing.getByText("Locked off").waitFor();
  assert.equal(await marketing.getByRole("switch").count(), 0, "no switch for a locked purpose");
  await checkAxe(page, "/account/privacy, a child's");
  await screenshot(page, "child-privacy-en");

  // The child's privacy center in Chinese, at a phone's width.
  await page.evaluate(() => localStorage.setItem("ward.lang", "zh"));
  await page.reload();
  await areaLoaded(page, "/account/privacy (zh)");
  await page.getByTestId("child-locked").getByText("这是在您父母或监护人同意下开设的儿童账号").waitFor();
  await page.getByText("锁定关闭").first().waitFor();
  await checkAxe(page, "/account/privacy (zh), a child's");
  await page.setViewportSize({ width: 375, height: 740 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the privacy center overflows by ${overflow}px at 375`);
  await screenshot(page, "child-privacy-zh-375");
  await page.evaluate(() => localStorage.setItem("ward.lang", "en"));

  // The parent opens an account with the address that consented and finds the child there.
  await signedUpFrom("127.0.0.4", { email: parent, region: "us", birth_date: "1984-03-02", name: "Mei Chen" });
  await guardian.goto(BASE + "/");
  await appReady(guardian);
  await signIn(guardian, parent);
  await areaLoaded(guardian, "/account");
  const children = guardian.getByRole("region", { name: "Children’s accounts" });
  await children.getByRole("heading", { name: "Lin Chen" }).waitFor();
  await children.getByText(child).waitFor();
  await checkAxe(guardian, "/account, a guardian's");
  await screenshot(guardian, "child-guardian-account-en");
  // A copy of the child's data: prepared, then downloaded.
  await children.getByRole("button", { name: "Prepare a copy of their data" }).click();
  const download = children.getByRole("link", { name: "Download their data" });
  for (let checks = 0; !(await download.isVisible()); checks++) {
    assert.ok(checks < 100, "the child's archive is ready within 100 checks");
    await children.getByText("The copy is being prepared").waitFor();
    const listed = guardian.waitForResponse((r) => r.url().endsWith("/api/account/children"));
    await children.getByRole("button", { name: "Check again" }).click();
    await listed;
    await children.getByRole("heading", { name: "Lin Chen" }).waitFor();
  }
  const archive = await guardian.request.get(new URL(await download.getAttribute("href"), BASE).href);
  assert.equal(archive.status(), 200);
  assert.equal(archive.headers()["content-type"], "application/zip");
  // And the account deleted, with the parent's own password; the child gets the receipt too.
  await children.getByRole("button", { name: "Delete this account…" }).click();
  await children.getByLabel("Your own password").fill(PASSWORD);
  await children.getByRole("button", { name: "Delete the child’s account" }).click();
  const deleted = await children.getByTestId("child-deleted").textContent();
  const receipt = deleted.match(/DEL-[0-9A-F]+/)[0];
  const childReceipt = await mailTo(guardian.request, child, "Your Ward account was deleted");
  assert.ok(childReceipt.text.includes(receipt), `the child's receipt is ${receipt}: ${childReceipt.text}`);
});
