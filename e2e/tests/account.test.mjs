// Accounts, end to end: sign up, verify by the emailed code, sign in, edit the profile, turn
// on two-step verification, sign out, sign in with the code, delete the account.
// A real Chromium against the real server (embedded default: mail goes to the outbox,
// which /api/dev/mailbox reads).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { BASE, launch, openPage, screenshot, appReady, checkAxe } from "../lib/browser.mjs";
import { totp, nowStep } from "../lib/totp.mjs";
import { mailTo } from "../lib/account.mjs";

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test("RFC 6238 test vector (SHA-1, 8 digits truncated to 6)", () => {
  // Secret "12345678901234567890" in base32; at T=59 s the 8-digit code is 94287082.
  assert.equal(totp("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 1), "287082");
});

async function codeFor(page, email) {
  for (let i = 0; i < 50; i++) {
    const r = await page.request.get(BASE + "/api/dev/mailbox");
    assert.equal(r.status(), 200, "the embedded default has a developer mailbox");
    const mail = (await r.json()).find((m) => m.to.includes(email));
    const code = mail?.text.match(/(?<!\d)\d{6}(?!\d)/)?.[0];
    if (code) return code;
    await page.waitForTimeout(100);
  }
  throw new Error(`no code mailed to ${email}`);
}

test("a person signs up, verifies, signs in, edits, turns on TOTP, signs in with it, gets past a stranger's guesses with a mailed code (and the second step) and deletes the account", async () => {
  const page = await openPage(browser);
  const email = `e2e-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  const password = "correct-horse-battery-staple-42";

  // Sign up.
  await page.goto(BASE + "/signup");
  await appReady(page);
  await page.getByRole("heading", { level: 1, name: "Create your Ward account" }).waitFor();
  await page.getByLabel("Full name").fill("Ada Lovelace");
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Phone number").fill("+44 20 7946 0958");
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByText("Password strength: strong").waitFor();
  await page.getByLabel("Home region").selectOption("eu");
  await page.getByLabel("Date of birth").fill("1990-12-10");
  await page.getByRole("checkbox").check();
  await checkAxe(page, "/signup");
  await screenshot(page, "account-signup");
  await page.getByRole("button", { name: "Create account" }).click();

  // Verify with the mailed code; first look at it in the developer mailbox.
  await page.waitForURL(/\/signup\/verify\?/);
  await page.getByRole("heading", { level: 1, name: "Verify your email address" }).waitFor();
  assert.equal(await page.getByLabel("Email address").inputValue(), email);
  assert.equal(await page.getByLabel("Verification code").getAttribute("autocomplete"), "one-time-code");
  // Verification asks for the sign-up's password, which is typed (or filled by a password
  // manager): it never travels in the URL.
  const passwordField = page.getByLabel("The password you chose");
  assert.equal(await passwordField.getAttribute("autocomplete"), "current-password");
  assert.equal(await passwordField.getAttribute("type"), "password");
  assert.equal(await passwordField.inputValue(), "");
  assert.ok(!page.url().includes(password) && !page.url().includes(encodeURIComponent(password)), page.url());
  await checkAxe(page, "/signup/verify");
  const code = await codeFor(page, email);
  const mailbox = await openPage(browser);
  await mailbox.goto(BASE + "/dev/mailbox");
  await appReady(mailbox);
  await mailbox.getByTestId("mail-code").first().waitFor();
  assert.equal(await mailbox.getByTestId("mail-code").first().textContent(), code, "newest mail first, its code shown");
  await checkAxe(mailbox, "/dev/mailbox");
  await screenshot(mailbox, "account-mailbox");
  await mailbox.context().close();

  // The right code with another password is refused, with a message beside the code that
  // says what to do (it uses up one of the code's tries).
  await page.getByLabel("Verification code").fill(code);
  await passwordField.fill("not the password I chose");
  await page.getByRole("button", { name: "Verify" }).click();
  await page.locator("#verify-code-error", { hasText: "The code or the password does not match" }).waitFor();
  assert.equal(await page.getByLabel("Verification code").getAttribute("aria-invalid"), "true");
  await checkAxe(page, "/signup/verify with an error");
  await passwordField.fill(password);
  await page.getByRole("button", { name: "Verify" }).click();
  await page.getByText("Your email address is verified.").waitFor();
  await page.getByRole("main").getByRole("link", { name: "Sign in" }).click();

  // Sign in.
  await page.waitForURL(/\/signin/);
  await page.getByRole("heading", { level: 1, name: "Sign in to Ward" }).waitFor();
  assert.equal(await page.getByLabel("Email address").inputValue(), email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await checkAxe(page, "/signin");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL(BASE + "/account");
  await page.getByTestId("account-name").waitFor();
  assert.equal(await page.getByTestId("account-name").textContent(), "Ada Lovelace");
  await checkAxe(page, "/account");
  await screenshot(page, "account-profile");

  // Edit the name: the header follows.
  await page.getByLabel("Full name").fill("Ada King");
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.getByText("Your profile was saved.").waitFor();
  assert.equal(await page.getByTestId("account-name").textContent(), "Ada King");
  assert.equal(await page.getByTestId("profile-name").textContent(), "Ada King");

  // Turn on two-step verification.
  await page.getByRole("link", { name: "Security" }).click();
  await page.getByRole("heading", { level: 1, name: "Security" }).waitFor();
  await page.getByText("Signed in", { exact: true }).first().waitFor();
  await checkAxe(page, "/account/security");
  await page.getByRole("button", { name: "Set up two-step verification" }).click();
  const secret = (await page.getByTestId("totp-secret").textContent()).trim();
  const enableStep = nowStep();
  await page.getByLabel("Code shown by the app").fill(totp(secret, enableStep));
  // Turning it on needs the password too (a stolen session alone must not).
  await page.getByLabel("Password, to turn it on").fill(password);
  await checkAxe(page, "/account/security (setting up TOTP)");
  await page.getByRole("button", { name: "Turn on" }).click();
  await page.getByText("Two-step verification is on.").waitFor();
  assert.equal(await page.getByTestId("recovery-codes").locator("li").count(), 10);
  const recoveryCode = (await page.getByTestId("recovery-codes").locator("li").first().textContent()).trim();
  await checkAxe(page, "/account/security (recovery codes)");
  await screenshot(page, "account-recovery-codes");
  await page.getByRole("button", { name: "I have saved them" }).click();
  await page.getByRole("button", { name: "Turn off two-step verification" }).waitFor();

  // Sign out, then sign in with the second factor.
  await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(/\/signin/);
  await page.getByText("You are signed out.").waitFor();
  await page.getByRole("banner").getByRole("link", { name: "Sign in" }).waitFor();
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByLabel("Authentication code").waitFor();
  await checkAxe(page, "/signin (second step)");
  // A code is good once: use a later step than the one that turned TOTP on.
  await page.getByLabel("Authentication code").fill(totp(secret, Math.max(nowStep(), enableStep + 1)));
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL(BASE + "/account");
  assert.equal(await page.getByTestId("account-name").textContent(), "Ada King");

  // Someone else guesses Ada's password: after five wrong ones her sign-ins have to wait.
  // She is not locked out: she asks for a code by mail and signs in with it and her
  // password at once. The mailed code passes the wait, never the second step: her
  // authenticator is still asked for.
  await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
  await page.getByText("You are signed out.").waitFor();
  const stranger = await browser.newContext();
  for (let i = 1; i <= 5; i++) {
    const r = await stranger.request.post(BASE + "/api/session", { data: { email, password: `not-her-password-${i}` } });
    assert.equal(r.status(), 401, `the stranger's wrong password ${i} is simply wrong`);
  }
  await stranger.close();
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByRole("button", { name: "Email me a sign-in code" }).click();
  await page.getByLabel("Code from the email").waitFor();
  const unlock = await mailTo(page.request, email, "Your Ward sign-in code");
  await page.getByLabel("Code from the email").fill(unlock.text.match(/(?<!\d)\d{6}(?!\d)/)[0]);
  await checkAxe(page, "/signin (a mailed code past the delay)");
  await screenshot(page, "signin-mailed-code");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByText("Your account has two-step verification.", { exact: false }).waitFor();
  // One of the saved recovery codes (the authenticator's next code may be minutes away:
  // each is good once).
  await page.getByLabel("Authentication code").fill(recoveryCode);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL(BASE + "/account");
  assert.equal(await page.getByTestId("account-name").textContent(), "Ada King");

  // Delete the account.
  await page.getByRole("link", { name: "Delete account" }).click();
  await page.getByRole("heading", { level: 1, name: "Delete your account" }).waitFor();
  await checkAxe(page, "/account/delete");
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Delete my account" }).click();
  await page.getByText("Your account was deleted.").waitFor();
  assert.ok((await page.getByTestId("deletion-receipt").textContent()).trim().length > 0, "a receipt number");
  await page.getByRole("banner").getByRole("link", { name: "Sign in" }).waitFor();
  await checkAxe(page, "/account/delete (receipt)");
  await screenshot(page, "account-deleted");
  // 401/403: the signed-out and re-authentication steps; 422: the wrong password tried at
  // verification above; 429: the sign-in that had to wait. Nothing else may reach the console.
  assert.deepEqual(page.problems.filter((p) => !/status of (40[13]|422|429)/.test(p)), []);

  // The account is gone: signing in fails.
  const r = await page.request.post(BASE + "/api/session", { data: { email, password } });
  assert.equal(r.status(), 401);
});

test("a signed-out visitor is sent to sign in and the form shows field errors beside the fields", async () => {
  const page = await openPage(browser, { colorScheme: "dark" });
  await page.goto(BASE + "/account/security");
  await appReady(page);
  await page.waitForURL(/\/signin\?next=%2Faccount%2Fsecurity/);
  await page.getByRole("heading", { level: 1, name: "Sign in to Ward" }).waitFor();

  await page.goto(BASE + "/signup");
  await appReady(page);
  await page.getByRole("heading", { level: 1, name: "Create your Ward account" }).waitFor();
  await page.getByLabel("Email address").fill("not-an-email");
  await page.getByRole("button", { name: "Create account" }).click();
  const emailInput = page.getByLabel("Email address");
  await page.locator("#signup-email[aria-invalid=true]").waitFor();
  const describedBy = await emailInput.getAttribute("aria-describedby");
  assert.ok(describedBy.includes("signup-email-error"));
  assert.ok((await page.locator("#signup-email-error").textContent()).length > 0);
  await checkAxe(page, "/signup with errors (dark)");
  await screenshot(page, "account-signup-errors-dark");
});

test("every account page fits a 360 px phone without sideways scrolling", async () => {
  const page = await openPage(browser, { viewport: { width: 360, height: 740 } });
  for (const path of ["/signup", "/signup/verify?email=a%40example.com", "/signin", "/password-reset", "/dev/mailbox"]) {
    await page.goto(BASE + path);
    await appReady(page);
    await page.getByRole("heading", { level: 1 }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${path} overflows by ${overflow}px`);
    await checkAxe(page, `${path} at 360 px`);
  }
});
