// The privacy center end to end: the cookie banner before the app (reject keeps the
// analytics script from ever being requested, accept loads it), Global Privacy Control,
// a new cookie policy bringing the banner back, consents and their ledger (a tampered
// record detected), a material policy change (prompt and mail), one-click unsubscribe
// without a session, and axe-core on every privacy page in English and Chinese.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { BASE, launch, openPage, screenshot, appReady, answerBanner, checkAxe, pageIn, areaLoaded } from "../lib/browser.mjs";
import { staffSignedIn } from "../lib/account.mjs";

const DATA_DIR = process.env.WARD_E2E_DATA_DIR;
const PASSWORD = "correct-horse-battery-staple-42";

// Sign-ups are rate-limited per address (10 an hour), and the whole e2e suite shares one
// server: this file signs up two people and reuses them, and the staff person is shared
// with journeys.test.mjs (made by whichever file runs first).
let browser;
let staff; // { context, csrf, id }
let alice; // a person whose browser has answered the banner ("Reject all")
before(async () => {
  browser = await launch();
  const context = await browser.newContext();
  staff = { context, ...(await staffSignedIn(context)) };
  const own = await browser.newContext();
  await answerBanner(own, "0000");
  const email = unique("alice");
  await signUp(own, email);
  alice = { context: own, email, ...(await signIn(own, email)) };
});

/** A new context with `who`'s cookies and storage (signed in as them). */
async function cloneOf(who) {
  return browser.newContext({ storageState: await who.context.storageState() });
}
after(async () => {
  await browser?.close();
});

// The privacy staff's console, reached as a staff member does: Account, then its tab. A
// context of the staff's own (their shared one is left as the other tests expect it).
async function openDesk() {
  const deskContext = await cloneOf(staff);
  await deskContext.addInitScript(() => localStorage.setItem("ward.session", "1"));
  await answerBanner(deskContext, "0000");
  const desk = await pageIn(deskContext);
  await desk.goto(BASE + "/");
  await appReady(desk);
  await desk.getByRole("banner").getByRole("link", { name: "Account", exact: true }).click();
  await desk.getByRole("navigation", { name: "Account sections" }).getByRole("link", { name: "Requests queue (privacy staff)" }).click();
  await areaLoaded(desk, "/staff/requests");
  return { deskContext, desk };
}

// A date as a `datetime-local` input takes it, in the browser's zone.
const localInput = (d) => {
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};

const unique = (who) => `${who}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;

async function mailTo(request, email, subject) {
  for (let i = 0; i < 50; i++) {
    const all = await (await request.get(BASE + "/api/dev/mailbox")).json();
    const mail = all.find((m) => m.to === email && (!subject || m.subject === subject));
    if (mail) return mail;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail to ${email} ${subject ?? ""}`);
}

async function signUp(context, email) {
  const rules = await (await context.request.get(BASE + "/api/signup")).json();
  const r = await context.request.post(BASE + "/api/signup", {
    data: {
      name: "Ada Lovelace",
      email,
      phone: "+44 20 7946 0958",
      password: PASSWORD,
      region: "eu",
      birth_date: "1990-04-25",
      accepted_policy: rules.policy_version,
    },
  });
  assert.equal(r.status(), 201, await r.text());
  const mail = await mailTo(context.request, email, "Your Ward verification code");
  const code = mail.text.match(/Your code: (\d{6})/)[1];
  const v = await context.request.post(BASE + "/api/signup/verify", { data: { email, code, password: PASSWORD } });
  assert.equal(v.status(), 204, await v.text());
}

/** Signs in through the API (the cookie lands in the context) and tells the app so. */
async function signIn(context, email) {
  const r = await context.request.post(BASE + "/api/session", { data: { email, password: PASSWORD } });
  assert.equal(r.status(), 200, await r.text());
  const info = await r.json();
  await context.addInitScript(() => localStorage.setItem("ward.session", "1"));
  return { csrf: info.csrf_token, id: info.account.id };
}

async function api(who, method, url, data) {
  const r = await who.context.request.fetch(BASE + url, { method, data, headers: { "X-CSRF-Token": who.csrf } });
  assert.ok(r.ok(), `${method} ${url}: ${r.status()} ${await r.text()}`);
  return r.status() === 204 ? null : r.json();
}

const bannerOf = (page) => page.getByRole("region", { name: "Cookies on Ward" });

test("the banner is in the first response; Reject all means the analytics script is never requested", async () => {
  const page = await openPage(browser, { banner: true });
  const requested = [];
  page.on("request", (r) => requested.push(new URL(r.url()).pathname));
  const response = await page.goto(BASE + "/");
  assert.ok((await response.text()).includes('<div id="cc" class="cc"'), "server-rendered banner");
  const banner = bannerOf(page);
  await banner.waitFor();
  const buttons = ["Accept all", "Reject all", "Customize"].map((name) => banner.getByRole("button", { name }));
  // Equally prominent: the same size, colours and weight.
  const looks = [];
  for (const b of buttons) {
    looks.push(
      await b.evaluate((el) => {
        const s = getComputedStyle(el);
        const r = el.getBoundingClientRect();
        return [Math.round(r.height), s.backgroundColor, s.color, s.fontWeight, s.fontSize].join(" ");
      }),
    );
  }
  assert.equal(new Set(looks).size, 1, looks.join(" | "));
  await appReady(page);
  await checkAxe(page, "banner, first layer");
  await screenshot(page, "banner-first-layer");

  await banner.getByRole("button", { name: "Customize" }).click();
  for (const name of ["Preferences", "Analytics", "Advertising"]) {
    assert.equal(await banner.getByRole("checkbox", { name }).isChecked(), false, `${name} is not pre-ticked`);
  }
  const necessary = banner.getByRole("checkbox", { name: "Strictly necessary" });
  assert.ok((await necessary.isChecked()) && (await necessary.isDisabled()));
  await banner.locator("summary").nth(2).click(); // the analytics category's services
  await banner.getByText("Ward analytics").waitFor();
  await checkAxe(page, "banner, second layer");
  await screenshot(page, "banner-second-layer");

  await banner.getByRole("button", { name: "Reject all" }).click();
  await banner.waitFor({ state: "hidden" });
  const cookie = (await page.context().cookies()).find((c) => c.name === "ward_consent");
  assert.match(cookie.value, /^1\.[\w-]+\.0000\.\d+$/);
  // Pages, a reload and a client-side navigation later: never requested.
  await page.getByRole("contentinfo").getByRole("link", { name: "Privacy policy" }).click();
  await page.getByRole("heading", { level: 1, name: "Privacy policy" }).waitFor();
  await page.reload();
  await appReady(page);
  await page.waitForTimeout(500);
  assert.ok(!requested.some((p) => p.endsWith("/analytics.js")), requested.join("\n"));
  assert.ok(!requested.some((p) => p.includes("/api/analytics")), "no page view counted");

  // "Cookie settings" in the footer reopens it; "Accept all" loads the script at once.
  await page.getByRole("contentinfo").getByRole("button", { name: "Cookie settings" }).click();
  await banner.waitFor();
  const script = page.waitForRequest((r) => new URL(r.url()).pathname === "/analytics.js");
  const view = page.waitForRequest((r) => new URL(r.url()).pathname === "/api/analytics/pageview");
  await banner.getByRole("button", { name: "Accept all" }).click();
  await script;
  await view;
  assert.deepEqual(page.problems, []);
});

test("a signed-in choice is ledgered, and Global Privacy Control turns advertising off and is recorded", async () => {
  const page = await openPage(browser, { banner: true });
  const context = page.context();
  const email = unique("gpc");
  await signUp(context, email);
  await signIn(context, email);
  await page.goto(BASE + "/account/privacy");
  await appReady(page);
  const recorded = page.waitForResponse((r) => r.url().endsWith("/api/privacy/cookies") && r.status() === 200);
  await bannerOf(page).getByRole("button", { name: "Accept all" }).click();
  await recorded;
  await page.reload();
  await appReady(page);
  const advertising = page.getByRole("switch", { name: "Third-party advertising" });
  assert.equal(await advertising.getAttribute("aria-checked"), "true");

  // The browser now sends GPC (header and navigator.globalPrivacyControl).
  await context.setExtraHTTPHeaders({ "Sec-GPC": "1" });
  await context.addInitScript(() => Object.defineProperty(navigator, "globalPrivacyControl", { value: true }));
  await page.reload();
  await appReady(page);
  await page.getByRole("main").getByText("Your browser sends a Global Privacy Control signal").waitFor();
  await page.reload(); // the ledger was written by this visit's sync; show it
  await appReady(page);
  assert.equal(await page.getByRole("switch", { name: "Third-party advertising" }).getAttribute("aria-checked"), "false");
  const history = page.getByRole("table");
  await history.getByRole("row", { name: /Third-party advertising Consent withdrawn Global Privacy Control/ }).waitFor();
  // The banner and the settings say so.
  await page.getByRole("contentinfo").getByRole("button", { name: "Cookie settings" }).click();
  const banner = bannerOf(page);
  await banner.getByText("Your browser sends a Global Privacy Control signal").waitFor();
  assert.ok(await banner.getByRole("checkbox", { name: "Advertising" }).isDisabled());
  await screenshot(page, "banner-gpc");
  const wk = await (await page.request.get(BASE + "/.well-known/gpc.json")).json();
  assert.equal(wk.gpc, true);
});

test("withdrawing is one click and recorded; a tampered ledger record is detected", async () => {
  const page = await pageIn(alice.context);
  const me = alice;
  await page.goto(BASE + "/account/privacy");
  await appReady(page);
  await page.getByRole("heading", { level: 1, name: "Privacy center" }).waitFor();
  const mail = page.getByRole("switch", { name: "News and offers by email" });
  await mail.click();
  await page.waitForFunction(() =>
    document.querySelector('#purpose-marketing_mail [role="switch"]')?.getAttribute("aria-checked") === "true");
  await page.getByRole("switch", { name: "News and offers by email" }).click();
  await page.getByRole("row", { name: /News and offers by email Consent withdrawn In the privacy center/ }).waitFor();
  const records = await api(me, "GET", "/api/privacy/ledger");
  const last = records.at(-1);
  assert.deepEqual([last.purpose, last.action, last.method], ["marketing_mail", "withdrawn", "settings"]);
  await page.getByRole("button", { name: "Verify my history" }).click();
  await page.getByText(`Verified: all ${records.length} records are intact.`).waitFor();
  await checkAxe(page, "privacy center");
  await screenshot(page, "privacy-center");

  // Someone with access to the database turns the withdrawal into a grant.
  assert.ok(DATA_DIR, "WARD_E2E_DATA_DIR names the server's data dir");
  const sql = (action) => {
    const where = `person_id = '${me.id}' AND seq = ${last.seq}`;
    execFileSync("sqlite3", [path.join(DATA_DIR, "region-eu.sqlite"), `UPDATE consent_ledger SET action = '${action}' WHERE ${where}`]);
  };
  sql("granted");
  await page.getByRole("button", { name: "Verify my history" }).click();
  await page.getByText(`Warning: record ${last.seq} has been altered or removed.`).waitFor();
  await screenshot(page, "privacy-center-tampered");
  // Put back as it was, the chain checks out again.
  sql("withdrawn");
  await page.getByRole("button", { name: "Verify my history" }).click();
  await page.getByText(`Verified: all ${records.length} records are intact.`).waitFor();
  await page.close();
});

test("the unsubscribe link of a marketing mail withdraws consent without a session", async () => {
  const me = alice;
  const email = alice.email;
  await api(me, "POST", "/api/privacy/consents", { purpose: "marketing_mail", active: true, text_version: "1" });
  await api(staff, "POST", "/api/privacy/marketing", { subject: "Ward news", text: "A new doorbell." });
  const mail = await mailTo(me.context.request, email, "Ward news");
  assert.equal(mail.to, email);
  const link = mail.text.match(/Unsubscribe with one click: (\S+)/)[1];
  assert.ok(link.startsWith(BASE + "/unsubscribe/"), link);

  // A stranger's browser: no cookies at all.
  const page = await openPage(browser);
  await page.goto(link);
  await appReady(page);
  await page.getByRole("heading", { level: 1, name: "Unsubscribe from Ward news" }).waitFor();
  await checkAxe(page, "unsubscribe");
  await page.getByRole("button", { name: "Unsubscribe" }).click();
  await page.getByText("You are unsubscribed.").waitFor();
  await screenshot(page, "unsubscribed");
  const ledger = await api(me, "GET", "/api/privacy/ledger");
  const last = ledger.at(-1);
  assert.deepEqual([last.purpose, last.action, last.method], ["marketing_mail", "withdrawn", "unsubscribe"]);
});

test("policies: versions, a readable diff, and a material change that prompts re-consent and mails", async () => {
  const page = await pageIn(alice.context);
  const context = alice.context;
  const email = alice.email;
  const current = await (await page.request.get(BASE + "/api/privacy/policies/privacy")).json();
  const published = await api(staff, "POST", "/api/privacy/policies/privacy", {
    markdown: current.markdown + "\n## Sharing with installers\n\nInstallers you invite see your devices.\n",
    material: true,
    summary: "Installers you invite can now see your devices.",
  });
  const mail = await mailTo(context.request, email, "Our privacy policy has changed");
  assert.ok(mail.text.includes("Installers you invite can now see your devices."));

  await page.goto(BASE + "/");
  await appReady(page);
  const prompt = page.getByRole("region", { name: "Our privacy policy has changed" });
  await prompt.waitFor();
  await checkAxe(page, "re-consent prompt");
  await screenshot(page, "reconsent-prompt");
  await prompt.getByRole("link", { name: "Read the new policy and compare it" }).click();
  await page.getByRole("heading", { level: 1, name: "Privacy policy" }).waitFor();
  await page.getByTestId("policy-version").getByText(published.version).waitFor();
  await page.getByLabel("Older version").selectOption(current.summary.version);
  await page.getByLabel("Newer version").selectOption(published.version);
  await page.getByRole("button", { name: "Compare" }).click();
  await page.locator(".diff-added", { hasText: "Installers you invite see your devices." }).waitFor();
  await checkAxe(page, "privacy policy with a diff");
  await screenshot(page, "policy-diff");
  await page.getByRole("button", { name: `version ${current.summary.version}` }).click();
  await page.getByText("You are reading an earlier version.").waitFor();
  await prompt.getByRole("button", { name: "I have read it and accept" }).click();
  await prompt.waitFor({ state: "hidden" });
  await page.reload();
  await appReady(page);
  await page.getByRole("heading", { level: 1, name: "Privacy policy" }).waitFor();
  assert.equal(await prompt.count(), 0, "accepted: no prompt on the next visit");
  await page.close();
});

test("a new cookie policy revision brings the banner back", async () => {
  const page = await openPage(browser);
  await page.goto(BASE + "/cookies");
  await appReady(page);
  await page.getByRole("heading", { level: 1, name: "Cookie policy" }).waitFor();
  assert.equal(await bannerOf(page).count(), 0, "answered: hidden");
  await api(staff, "POST", "/api/privacy/policies/cookies", {
    markdown: "# Cookie policy\n\nA new analytics provider.\n",
    material: false,
    summary: "A new analytics provider.",
  });
  await page.reload();
  await bannerOf(page).waitFor();
  await screenshot(page, "banner-new-revision");
});

for (const lang of ["en", "zh"]) {
  test(`axe-core finds nothing on the banner, the privacy center and the policies in ${lang}`, async () => {
    const context = await cloneOf(alice);
    await context.clearCookies({ name: "ward_consent" }); // a first visit, as far as cookies go
    await context.addInitScript((l) => localStorage.setItem("ward.lang", l), lang);
    const page = await pageIn(context);
    await page.goto(BASE + "/account/privacy");
    await appReady(page);
    const customize = lang === "zh" ? "自定义" : "Customize";
    await page.getByRole("button", { name: customize }).waitFor();
    await page.getByRole("switch").first().waitFor();
    await checkAxe(page, `banner first layer + privacy center (${lang})`);
    await screenshot(page, `privacy-center-banner-${lang}`);
    await page.getByRole("button", { name: customize }).click();
    await checkAxe(page, `banner second layer (${lang})`);
    await screenshot(page, `banner-second-layer-${lang}`);
    await answerBanner(context, "0000");
    for (const p of ["/privacy", "/cookies", "/account/privacy", "/account/data"]) {
      await page.goto(BASE + p);
      await appReady(page);
      await page.getByRole("heading", { level: 1 }).waitFor();
      await page.locator(".policy-meta, .purposes, .holdings").first().waitFor();
      await checkAxe(page, `${p} (${lang})`);
      await screenshot(page, `${p.replaceAll("/", "_")}-${lang}`);
    }
    for (const width of [360]) {
      await page.setViewportSize({ width, height: 740 });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `privacy center overflows by ${overflow}px at ${width}`);
    }
    await context.close();
  });
}

// Rights requests: a person files a restriction request from their account; the privacy
// staff find it in their queue, open it (the person sees that they did) and fulfil it; the
// person sees it done, the mail says so, and "who saw my data" shows the staff's access. Both pages pass axe-core in both languages.
test("a restriction request goes from the person's account through the staff's queue to done", async () => {
  const page = await pageIn(alice.context);
  await page.goto(BASE + "/");
  await appReady(page);
  await page.getByRole("banner").getByRole("link", { name: "Account", exact: true }).click();
  await page.getByRole("navigation", { name: "Account sections" }).getByRole("link", { name: "Requests", exact: true }).click();
  await areaLoaded(page, "/account/requests");
  await page.getByRole("heading", { level: 1, name: "Requests to the privacy staff" }).waitFor();
  await page.getByText("You have made no requests.").waitFor();
  // Nothing written: a field error beside the empty text, in words.
  await page.getByRole("button", { name: "Send the request" }).click();
  await page.locator("#request-details-error").getByText(/\S/).waitFor();
  await page.getByRole("radio", { name: "Keep my data but stop using it beyond what is strictly necessary" }).check();
  const details = "Please use my data only to run my cameras.";
  await page.getByRole("textbox", { name: "In your words" }).fill(details);
  const answer = page.waitForResponse((r) => r.url().endsWith("/api/privacy/requests") && r.request().method() === "POST");
  await page.getByRole("button", { name: "Send the request" }).click();
  const { id } = await (await answer).json();
  await page.getByRole("status").getByText("Your request was sent.").waitFor();
  const mine = page.getByRole("listitem").filter({ hasText: details });
  await mine.getByTestId("request-status").getByText("Open", { exact: true }).waitFor();
  await mine.getByText(/Answer due by/).waitFor();
  await mine.getByText(/GDPR article 12\(3\)/).waitFor();
  // The right to complain outside Ward names the authority of her region, with its site.
  const authority = page.getByRole("link", { name: /the data protection authority of your country/ });
  assert.match(await authority.getAttribute("href"), /^https:\/\/www\.edpb\.europa\.eu\//);
  await checkAxe(page, "/account/requests");
  await screenshot(page, "requests-person-en");
  await mailTo(alice.context.request, alice.email, "We received your request");

  // The staff: the console is among their account's pages; the request is in the queue.
  const { deskContext, desk } = await openDesk();
  await desk.getByRole("heading", { level: 1, name: "Requests queue" }).waitFor();
  await desk.getByLabel("Kind").selectOption("restriction");
  // The queue holds every person's requests; this one is the row that links to its id.
  const row = desk.getByRole("row").filter({ has: desk.locator(`a[href*="id=${id}"]`) });
  await row.waitFor();
  await row.getByText("Open", { exact: true }).waitFor();
  await checkAxe(desk, "/staff/requests");
  await screenshot(desk, "requests-queue-en");
  await row.getByRole("link", { name: "Keep my data but stop using it beyond what is strictly necessary" }).click();
  await desk.getByText(details).waitFor();
  await desk.getByText(alice.email).waitFor();
  // A note for the staff only.
  await desk.getByRole("textbox", { name: "Note" }).fill("Checked the ID: matches.");
  await desk.getByRole("button", { name: "Add the note" }).click();
  await desk.getByRole("status").getByText("The note was added.").waitFor();
  await desk.getByText("Checked the ID: matches.").waitFor();
  await checkAxe(desk, "/staff/request");
  await screenshot(desk, "requests-staff-request-en");
  await desk.getByRole("radio", { name: "Done as asked" }).check();
  await desk.getByRole("textbox", { name: "Message to the person" }).fill("Only the cameras use your data now.");
  await desk.getByRole("button", { name: "Send the answer" }).click();
  await desk.getByRole("status").getByText("The answer was sent.").waitFor();
  await desk.getByTestId("request-status").getByText("Done", { exact: true }).waitFor();
  await desk.getByText("This request is closed").waitFor();

  // The person: done, with the staff's visit and answer in the timeline, and the mail.
  await page.reload();
  await areaLoaded(page, "/account/requests");
  await mine.getByTestId("request-status").getByText("Done", { exact: true }).waitFor();
  await mine.getByText("Opened by the privacy staff").waitFor();
  await mine.getByText("Only the cameras use your data now.").waitFor();
  assert.equal(await page.getByText("Checked the ID: matches.").count(), 0, "the staff's note is theirs");
  const done = await mailTo(alice.context.request, alice.email, "Your request is done");
  assert.match(done.text, /Only the cameras use your data now\./);
  await screenshot(page, "requests-person-done-en");
  // Carried out: the privacy center says the data is restricted, and every switch is off.
  await page.getByRole("navigation", { name: "Account sections" }).getByRole("link", { name: "Privacy center" }).click();
  await page.getByTestId("restricted").getByText(/restricted at your request/).waitFor();
  await page.getByRole("switch", { name: "News and offers by email", checked: false }).waitFor();
  await checkAxe(page, "/account/privacy, restricted");
  await screenshot(page, "privacy-center-restricted-en");
  // Lifted by the person: the notice goes, and nothing is switched on for them.
  await page.getByTestId("restricted").getByRole("button", { name: "Lift the restriction" }).click();
  await page.getByTestId("restricted").waitFor({ state: "detached" });
  await page.getByRole("switch", { name: "News and offers by email", checked: false }).waitFor();
  // "Who saw my data": the staff's visit and answer, in a chain that is whole.
  await page.getByRole("navigation", { name: "Account sections" }).getByRole("link", { name: "My data" }).click();
  await areaLoaded(page, "/account/data");
  const seen = page.getByRole("region", { name: "Who saw my data" });
  await seen.getByText("Ward’s privacy staff opened your request, with your name and email.").first().waitFor();
  await seen.getByText("Ward’s privacy staff answered your request.").first().waitFor();
  await seen.getByText(/Checked: all \d+ records are intact\./).waitFor();
  await checkAxe(page, "/account/data, who saw my data");
  await screenshot(page, "my-data-access-en");
  await page.getByRole("navigation", { name: "Account sections" }).getByRole("link", { name: "Requests", exact: true }).click();
  await areaLoaded(page, "/account/requests");

  // Both pages in Chinese, at a phone's width too.
  for (const p of [page, desk]) {
    await p.evaluate(() => localStorage.setItem("ward.lang", "zh"));
  }
  await page.reload();
  await areaLoaded(page, "/account/requests (zh)");
  await page.getByRole("heading", { level: 1, name: "向隐私团队提出的请求" }).waitFor();
  await checkAxe(page, "/account/requests (zh)");
  await desk.goto(BASE + "/staff/requests");
  await areaLoaded(desk, "/staff/requests (zh)");
  await desk.getByRole("heading", { level: 1, name: "请求队列" }).waitFor();
  await desk.getByRole("row").nth(1).waitFor();
  await checkAxe(desk, "/staff/requests (zh)");
  for (const [p, name] of [[page, "requests-person-zh"], [desk, "requests-queue-zh"]]) {
    await p.setViewportSize({ width: 375, height: 740 });
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${name} overflows by ${overflow}px at 375`);
    await screenshot(p, `${name}-375`);
  }
  await page.evaluate(() => localStorage.setItem("ward.lang", "en"));
  await page.close();
  await deskContext.close();
});

// A request without an account: someone who never had one (or deleted theirs) starts on the
// home page, proves their address with the mailed code and files an objection; the staff find
// it in their queue, marked as filed without an account, and answer; the answer arrives by
// mail. The page passes axe-core in both languages and fits a phone.
test("someone without an account files a request from the home page and the staff answer it by mail", async () => {
  const context = await browser.newContext();
  await answerBanner(context, "0000");
  const page = await pageIn(context);
  await page.goto(BASE + "/");
  await appReady(page);
  await page.getByRole("link", { name: "Ask the privacy staff without an account" }).click();
  await areaLoaded(page, "/requests/ask");
  await page.getByRole("heading", { level: 1, name: "Ask the privacy staff without an account" }).waitFor();
  await checkAxe(page, "/requests/ask");
  const email = unique("lin");
  await page.getByRole("textbox", { name: "Your email address" }).fill(email);
  await page.getByRole("button", { name: "Email me a code" }).click();
  await page.getByRole("status").getByText(`A code is on its way to ${email}.`).waitFor();
  // Sent without its fields: each error beside its field, nothing filed.
  await page.getByRole("button", { name: "Send the request" }).click();
  await page.locator("#ask-region-error").getByText(/\S/).waitFor();
  await page.locator("#ask-details-error").getByText(/\S/).waitFor();
  const mail = await mailTo(context.request, email, "Your code for a privacy request");
  const code = mail.text.match(/Your code: (\d{6})/)[1];
  await page.getByRole("textbox", { name: "Code from the email" }).fill(code);
  await page.getByRole("textbox", { name: "Your name" }).fill("Lin Ma");
  await page.getByRole("combobox", { name: "Where you live" }).selectOption("us");
  await page.getByRole("radio", { name: "Object to a use of my data" }).check();
  const details = `Do you still keep pictures of my front door? ${Date.now()}`;
  await page.getByRole("textbox", { name: "Your request, in your words" }).fill(details);
  await checkAxe(page, "/requests/ask, the request");
  await screenshot(page, "ask-request-en");
  const answer = page.waitForResponse((r) => r.url().endsWith("/api/requests/public") && r.request().method() === "POST");
  await page.getByRole("button", { name: "Send the request" }).click();
  const { id } = await (await answer).json();
  const done = page.getByTestId("ask-done");
  await done.getByText("Your request was received: Object to a use of my data.").waitFor();
  await done.getByText(/The answer is due by/).waitFor();
  await checkAxe(page, "/requests/ask, done");
  await screenshot(page, "ask-done-en");
  await mailTo(context.request, email, "We received your request");

  // The staff: in the queue like any request; its page says no account is behind it.
  const { deskContext, desk } = await openDesk();
  await desk.getByLabel("Kind").selectOption("objection");
  const row = desk.getByRole("row").filter({ has: desk.locator(`a[href*="id=${id}"]`) });
  await row.getByRole("link", { name: "Object to a use of my data" }).click();
  await desk.getByText(details).waitFor();
  await desk.getByText(email).waitFor();
  await desk.getByTestId("staff-verified").getByText(/No account: filed without signing in/).waitFor();
  await checkAxe(desk, "/staff/request, no account");
  await screenshot(desk, "ask-staff-request-en");
  // The staff ask for more; the mail links the page where the person adds it.
  await desk.getByRole("textbox", { name: "What you need from them" }).fill("When did you delete your account?");
  await desk.getByRole("button", { name: "Ask them" }).click();
  await desk.getByRole("status").getByText("Asked: the person was mailed.").waitFor();
  await desk.getByText("When did you delete your account?").waitFor();
  const question = await mailTo(context.request, email, "We need more to answer your request");
  const link = question.text.match(/(\S*\/requests\/ask\?request=\S+?) /)?.[1];
  assert.ok(link, `the mail links where to answer: ${question.text}`);
  const reply = await pageIn(context);
  await reply.goto(new URL(link, BASE).href);
  await areaLoaded(reply, "/requests/ask?request=…");
  await reply.getByRole("heading", { level: 1, name: "Add information to your request" }).waitFor();
  await reply.getByRole("textbox", { name: "Your email address" }).waitFor();
  await checkAxe(reply, "/requests/ask?request=…");
  await screenshot(reply, "ask-information-en");
  await reply.close();
  await desk.getByRole("radio", { name: "Done as asked" }).check();
  await desk.getByRole("textbox", { name: "Message to the person" }).fill("We keep no pictures of yours.");
  await desk.getByRole("button", { name: "Send the answer" }).click();
  await desk.getByRole("status").getByText("The answer was sent.").waitFor();
  const told = await mailTo(context.request, email, "Your request is done");
  assert.match(told.text, /We keep no pictures of yours\./);
  await deskContext.close();

  // In Chinese, at a phone's width.
  await page.evaluate(() => localStorage.setItem("ward.lang", "zh"));
  await page.reload();
  await areaLoaded(page, "/requests/ask (zh)");
  await page.getByRole("heading", { level: 1, name: "无需账号联系隐私团队" }).waitFor();
  await checkAxe(page, "/requests/ask (zh)");
  await page.setViewportSize({ width: 375, height: 740 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page overflows by ${overflow}px at 375`);
  await screenshot(page, "ask-request-zh-375");
  await context.close();
});

// Breach notices: the privacy staff record an incident from their console, find the people
// it concerns, notify them and record the authority's notification; a person concerned sees
// the notice in their privacy center and has the mail. axe-core on both pages, both languages.
test("a breach notice goes from the staff's console to the people it concerns", async () => {
  const { deskContext, desk } = await openDesk();
  await desk.getByRole("navigation", { name: "Privacy staff's sections" }).getByRole("link", { name: "Breach notices" }).click();
  await desk.getByRole("heading", { level: 1, name: "Breach notices" }).waitFor();

  // Nothing chosen: each missing part is named beside its field.
  await desk.getByRole("button", { name: "Record the incident" }).click();
  await desk.locator("#incident-title-error").getByText(/\S/).waitFor();
  await desk.locator("#incident-regions-error").getByText(/\S/).waitFor();

  const title = `Mail logs exposed ${Date.now()}`;
  await desk.getByRole("textbox", { name: "Title" }).fill(title);
  await desk.getByRole("textbox", { name: /What happened/ }).fill("A log of sent mail was readable for a day. We closed it; you need do nothing.");
  await desk.getByRole("group", { name: "Kinds of data concerned" }).getByRole("checkbox", { name: "How to reach you" }).check();
  await desk.getByRole("group", { name: "Home regions of the people concerned" }).getByRole("checkbox", { name: "European Union" }).check();
  await desk.getByRole("radio", { name: "Everyone who had an account by the end of the window" }).check();
  // The window ends tomorrow, so everyone signed up by now is inside it.
  await desk.getByLabel("Exposed until").fill(localInput(new Date(Date.now() + 86_400_000)));
  await desk.getByRole("button", { name: "Record the incident" }).click();
  await desk.getByRole("status").getByText("The incident is recorded. Nobody has been told yet.").waitFor();
  const item = desk.getByRole("listitem").filter({ has: desk.getByRole("heading", { name: title }) });
  await item.getByTestId("incident-affected").getByText(/^[1-9]\d* people concerned$/).waitFor();
  await item.getByText(/^Tell the authority by /).waitFor();
  await checkAxe(desk, "/staff/requests?view=incidents");
  await screenshot(desk, "incidents-en");
  await item.getByRole("button", { name: /^Notify the \d+ people concerned$/ }).click();
  await item.getByText(/^The people concerned were told on /).waitFor();
  await item.getByRole("button", { name: "The authority has been told" }).click();
  await item.getByText(/^The authority was told on /).waitFor();

  // The person: the mail, and the notice at the top of their privacy center.
  const mail = await mailTo(alice.context.request, alice.email, "A security incident concerns your data");
  assert.match(mail.text, new RegExp(title));
  const page = await pageIn(alice.context);
  await page.goto(BASE + "/");
  await appReady(page);
  await page.getByRole("banner").getByRole("link", { name: "Account", exact: true }).click();
  await page.getByRole("navigation", { name: "Account sections" }).getByRole("link", { name: "Privacy center" }).click();
  const notices = page.getByRole("region", { name: "Security incidents that concerned you" });
  await notices.getByRole("heading", { name: title }).waitFor();
  await notices.getByText("Data concerned: how to reach you (email, phone).").first().waitFor();
  await checkAxe(page, "/account/privacy, with a breach notice");
  await screenshot(page, "privacy-center-notice-en");

  // Both pages in Chinese, and at a phone's width.
  for (const p of [page, desk]) {
    await p.evaluate(() => localStorage.setItem("ward.lang", "zh"));
    await p.reload();
  }
  await page.getByRole("region", { name: "涉及您的安全事件" }).waitFor();
  await checkAxe(page, "/account/privacy, with a breach notice (zh)");
  await desk.getByRole("heading", { level: 1, name: "数据泄露通知" }).waitFor();
  await checkAxe(desk, "/staff/requests?view=incidents (zh)");
  for (const [p, name] of [[page, "privacy-center-notice-zh"], [desk, "incidents-zh"]]) {
    await p.setViewportSize({ width: 375, height: 740 });
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${name} overflows by ${overflow}px at 375`);
    await screenshot(p, `${name}-375`);
  }
  await page.evaluate(() => localStorage.setItem("ward.lang", "en"));
  await page.close();
  await deskContext.close();
});

// Service notices: the privacy staff publish a dated notice from their console; every page
// shows it at the top to everyone, signed out too, in their language; withdrawn, it is gone.
test("a service notice is at the top of every page for everyone until the staff withdraw it", async () => {
  const { deskContext, desk } = await openDesk();
  await desk.getByRole("navigation", { name: "Privacy staff's sections" }).getByRole("link", { name: "Service notices" }).click();
  await desk.getByRole("heading", { level: 1, name: "Service notices" }).waitFor();
  // A service's end announced too soon: the date is refused, in words, beside it.
  const soon = new Date(Date.now() + 5 * 86_400_000);
  const title = `Doorbell calls end ${Date.now()}`;
  await desk.getByRole("radio", { name: "A service, or part of one, stops" }).check();
  await desk.getByRole("textbox", { name: "Title in English" }).fill(title);
  await desk.getByRole("textbox", { name: "Title in Chinese" }).fill("门铃呼叫功能将停止");
  await desk.getByRole("textbox", { name: "Notice in English" }).fill("Doorbell call pictures will no longer be kept.");
  await desk.getByRole("textbox", { name: "Notice in Chinese" }).fill("门铃呼叫图片将不再保存。");
  await desk.getByLabel("Takes effect").fill(localInput(soon));
  await desk.getByRole("button", { name: "Publish the notice" }).click();
  await desk.locator("#service-effective-error").getByText(/30 days/).waitFor();
  await desk.getByLabel("Takes effect").fill(localInput(new Date(Date.now() + 40 * 86_400_000)));
  await desk.getByRole("button", { name: "Publish the notice" }).click();
  await desk.getByRole("status").getByText("The notice is published: every page shows it now.").waitFor();
  await checkAxe(desk, "/staff/requests?view=service");
  await screenshot(desk, "service-notices-en");

  // A visitor who is not signed in, on the home page and the sign-in page.
  const visitor = await browser.newContext();
  await answerBanner(visitor, "0000");
  const page = await pageIn(visitor);
  await page.goto(BASE + "/");
  await appReady(page);
  const strip = page.getByRole("complementary", { name: "Service notice" });
  await strip.getByText(title).waitFor();
  await checkAxe(page, "/ with a service notice");
  await screenshot(page, "service-notice-home-en");
  await page.evaluate(() => localStorage.setItem("ward.lang", "zh"));
  await page.goto(BASE + "/signin");
  await appReady(page);
  await page.getByRole("complementary", { name: "服务通知" }).getByText("门铃呼叫功能将停止").waitFor();
  await page.setViewportSize({ width: 375, height: 740 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the notice overflows by ${overflow}px at 375`);
  await checkAxe(page, "/signin with a service notice (zh)");
  await screenshot(page, "service-notice-signin-zh-375");

  // Withdrawn: gone from every page.
  const item = desk.getByRole("listitem").filter({ has: desk.getByRole("heading", { name: title }) });
  await item.getByRole("button", { name: "Withdraw" }).click();
  await item.getByText(/^Withdrawn /).waitFor();
  await page.goto(BASE + "/");
  await appReady(page);
  assert.equal(await page.getByText("门铃呼叫功能将停止").count(), 0, "the withdrawn notice is on no page");
  await visitor.close();
  await deskContext.close();
});

// A rectification the person cannot make themselves: the staff correct the date of birth and
// move the home region from their console; the person's data is then in the new region (they
// sign in again there) and they are mailed. Last in this file: it moves Alice to the US.
test("the staff correct a date of birth and move a person's home region from a rectification request", async () => {
  // Alice, last of this file: the move signs her out (sign-ups are limited, so no new person).
  const { context, email } = alice;
  const mover = alice;
  const details = `I live in the United States now, and I was born on 26 April 1990. ${Date.now()}`;
  const { id } = await api(mover, "POST", "/api/privacy/requests", { kind: "rectification", details });
  await api(mover, "POST", "/api/privacy/consents", { purpose: "cross_border_transfer", active: true, text_version: "1" });

  const { deskContext, desk } = await openDesk();
  await desk.getByLabel("Kind").selectOption("rectification");
  const row = desk.getByRole("row").filter({ has: desk.locator(`a[href*="id=${id}"]`) });
  await row.getByRole("link", { name: "Correct data I cannot change myself (such as my date of birth)" }).click();
  await desk.getByText(details).waitFor();
  const correct = desk.getByRole("region", { name: "Correct their data" });
  await correct.getByLabel("Date of birth").fill("1990-04-26");
  await correct.getByRole("button", { name: "Correct the date of birth" }).click();
  await correct.getByRole("status").getByText("Corrected: the timeline says what changed.").waitFor();
  await desk.getByText("Date of birth corrected to 1990-04-26.").waitFor();
  await checkAxe(desk, "/staff/request, correct");
  await screenshot(desk, "staff-correct-en");
  await correct.getByLabel("Move their home region to").selectOption("us");
  await correct.getByRole("button", { name: "Move their data" }).click();
  await desk.getByText(/Home region moved from eu to us/).waitFor();
  await desk.waitForURL((u) => u.searchParams.get("region") === "us", { timeout: 5000 });
  await desk.getByRole("region", { name: "Who asked" }).getByText("United States").waitFor();
  const mail = await mailTo(context.request, email, "Your data moved to another region");
  assert.match(mail.text, /from its store in eu to its store in us/);
  // The old session named the old region: the person signs in again, and is in the new one.
  const r = await context.request.get(BASE + "/api/session");
  assert.equal(r.status(), 401, "the sessions of the old region ended");
  await signIn(context, email);
  const session = await (await context.request.get(BASE + "/api/session")).json();
  assert.equal(session.account.region, "us");
  assert.equal(session.account.birth_date, "1990-04-26");
  await deskContext.close();
});
