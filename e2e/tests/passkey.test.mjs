// Passkeys, end to end: add one on the security page with Chromium's virtual authenticator,
// sign out, sign in with it (no password); then, with two-step verification on, use it in
// place of the code after the password. WebAuthn needs a domain name, so this test
// opens Ward at localhost rather than 127.0.0.1.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { BASE, launch, openPage, screenshot, appReady, checkAxe } from "../lib/browser.mjs";
import { totp, nowStep } from "../lib/totp.mjs";

const LOCAL = BASE.replace("://127.0.0.1:", "://localhost:");

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** A verified account, made through the API (the sign-up pages have their own test). */
async function account(page, email, password) {
  const rules = await (await page.request.get(LOCAL + "/api/signup")).json();
  const res = await page.request.post(LOCAL + "/api/signup", {
    data: {
      name: "Grace Hopper", email, phone: "+1 201 555 0123", password, region: "us",
      birth_date: "1980-12-09", accepted_policy: rules.policy_version,
    },
  });
  assert.equal(res.status(), 201);
  let code;
  for (let i = 0; i < 50 && !code; i++) {
    const mail = (await (await page.request.get(LOCAL + "/api/dev/mailbox")).json()).find((m) => m.to === email);
    code = mail?.text.match(/Your code: (\d{6})/)?.[1];
    if (!code) await page.waitForTimeout(100);
  }
  const verified = await page.request.post(LOCAL + "/api/signup/verify", { data: { email, code, password } });
  assert.equal(verified.status(), 204, await verified.text());
}

test("a person adds a passkey, signs out and signs in with it, without a password", async () => {
  const page = await openPage(browser);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2", transport: "internal", hasResidentKey: true,
      hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true,
    },
  });
  const email = `passkey-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  const password = "a passphrase for the passkey test";
  await account(page, email, password);

  await page.goto(LOCAL + "/signin?next=%2Faccount%2Fsecurity");
  await appReady(page);
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL(LOCAL + "/account/security");
  const passkeys = page.getByRole("region", { name: "Passkeys" });
  await passkeys.getByText("No passkeys yet.").waitFor();
  // Adding one needs the password (a passkey signs in on its own).
  await passkeys.getByLabel("Password, to add a passkey").fill(password);
  await passkeys.getByRole("button", { name: "Add a passkey" }).click();
  await passkeys.getByText("Passkey added. You can now sign in with it.").waitFor();
  await passkeys.getByText("Chrome on Linux").waitFor();
  await checkAxe(page, "/account/security with a passkey");
  await screenshot(page, "passkey-added");

  await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(/\/signin/);
  await checkAxe(page, "/signin");
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await page.waitForURL(LOCAL + "/account");
  await page.getByRole("banner").getByText("Grace Hopper").waitFor();

  const activity = await (await page.request.get(LOCAL + "/api/account/activity")).json();
  assert.ok(activity.some((e) => e.kind === "signed_in_passkey"), JSON.stringify(activity));

  // Two-step verification on (through the API: the security page has its own test) ...
  const { csrf_token } = await (await page.request.get(LOCAL + "/api/session")).json();
  const headers = { "x-csrf-token": csrf_token };
  const setup = await (await page.request.post(LOCAL + "/api/account/totp/setup", { headers })).json();
  const enabled = await page.request.post(LOCAL + "/api/account/totp/enable", {
    headers, data: { code: totp(setup.secret, nowStep()), password },
  });
  assert.equal(enabled.status(), 200);
  // ... then the step after the password offers the passkey instead of the code.
  await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(/\/signin/);
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.getByLabel("Authentication code").waitFor();
  const usePasskey = page.getByRole("button", { name: "Use a passkey instead" });
  await usePasskey.waitFor();
  await checkAxe(page, "/signin, second step with a passkey");
  await screenshot(page, "passkey-second-step");
  await usePasskey.click();
  await page.waitForURL(LOCAL + "/account");
  const after = await (await page.request.get(LOCAL + "/api/account/activity")).json();
  assert.ok(after.some((e) => e.kind === "signed_in_two_step_passkey"), JSON.stringify(after));
  assert.deepEqual(page.problems.filter((p) => !/status of 40[13]/.test(p)), []);
  await page.context().close();
});

test("at an IP address the passkey button explains itself instead of failing silently", async () => {
  const page = await openPage(browser);
  await page.goto(BASE + "/signin");
  await appReady(page);
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
  await page.getByRole("alert").waitFor();
  await page.context().close();
});
