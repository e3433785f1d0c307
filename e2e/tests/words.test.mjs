// Words for people, end to end in English and Chinese: "My data" shows the person's own
// name, email, phone, birth date and camera names, and no table or column name anywhere;
// the signed-out home page says whom Ward is for with each one's way in, and only what a
// visitor can use in the navigation; private pages are kept out of search engines.
// No sign-up: the privacy staff account (shared with privacy.test.mjs and the journeys) is
// reused, with the camera `cargo xtask test` provisions for this file (WARD_WORDS_CAMERA_STATE).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { BASE, launch, pageIn, answerBanner, appReady, areaLoaded, checkAxe, screenshot } from "../lib/browser.mjs";
import { STAFF, staffSignedIn } from "../lib/account.mjs";

const STATE = process.env.WARD_WORDS_CAMERA_STATE;
const CAMERA_NAME = "Porch camera";
/** How long a page may take to show what is waited for. */
const WAIT = 15000;

/** Every table and column name of the registry that no sentence would hold: those with an
 *  underscore (`name_ct`, `consent_ledger`, `created_at`), read from server/src/registry.rs. */
const REGISTRY = readFileSync(new URL("../../server/src/registry.rs", import.meta.url), "utf8");
const IDENTIFIERS = [...new Set([...REGISTRY.matchAll(/"([a-z_]+)",\s*"([a-z_]+)"/g)].flatMap((m) => [m[1], m[2]]))];
const UNDERSCORED = IDENTIFIERS.filter((n) => n.includes("_"));

const WORDS = {
  en: {
    myData: "What Ward holds about you",
    labels: ["Your name", "Your email", "Your phone", "Your date of birth", "Camera name"],
    password: "A one-way fingerprint of your password, which nobody can read back",
    home: "Your cameras, your data, your say.",
    audiences: ["People with cameras", "Organisations", "Parents and guardians", "Anyone with a privacy right"],
    waysIn: ["Create an account", "Sign in", "Privacy policy", "Cookie policy"],
    nav: { label: "Main", hidden: ["Devices", "Alarms"] },
    description: /^Ward: manage your security cameras/,
  },
  zh: {
    myData: "Ward 持有的关于您的数据",
    labels: ["您的姓名", "您的电子邮箱", "您的电话", "您的出生日期", "摄像头名称"],
    password: "您密码的单向指纹，任何人都无法据此还原密码",
    home: "您的摄像头，您的数据，由您做主。",
    audiences: ["摄像头用户", "机构", "家长和监护人", "行使隐私权利的任何人"],
    waysIn: ["创建账号", "登录", "隐私政策", "Cookie 政策"],
    nav: { label: "主导航", hidden: ["设备", "报警"] },
    description: /^Ward：管理您的安防摄像头/,
  },
};

let browser;
let staff; // { context, csrf }
let device; // the camera claimed for this file, given back at the end

before(async () => {
  browser = await launch();
  const context = await browser.newContext();
  await answerBanner(context, "0000");
  staff = { context, ...(await staffSignedIn(context)) };
  if (STATE) {
    const { serial, code } = JSON.parse(readFileSync(STATE, "utf8"));
    const headers = { "x-csrf-token": staff.csrf };
    const claimed = await context.request.post(BASE + "/api/devices", { headers, data: { serial, code } });
    assert.equal(claimed.status(), 201, await claimed.text());
    device = (await claimed.json()).id;
    const named = await context.request.patch(BASE + `/api/devices/${device}`, { headers, data: { name: CAMERA_NAME } });
    assert.equal(named.status(), 200, await named.text());
  }
});
after(async () => {
  if (device) {
    await staff.context.request.delete(BASE + `/api/devices/${device}`, { headers: { "x-csrf-token": staff.csrf } });
  }
  await staff?.context.close();
  await browser?.close();
});

/** A page in `context` in `lang`, at each width and theme for its screenshots. */
async function pageFor(context, lang) {
  await context.addInitScript((l) => localStorage.setItem("ward.lang", l), lang);
  return pageIn(context);
}

/** Screenshots at 375 and 1280 px, light and dark. */
async function shots(page, name) {
  for (const width of [1280, 375]) {
    for (const scheme of ["light", "dark"]) {
      await page.setViewportSize({ width, height: 900 });
      await page.emulateMedia({ colorScheme: scheme });
      await screenshot(page, `${name}-${width}-${scheme}`);
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.emulateMedia({ colorScheme: "light" });
}

async function see(page, locator, what) {
  try {
    await locator.first().waitFor({ state: "visible", timeout: WAIT });
  } catch {
    throw new Error(`did not see ${what} within ${WAIT / 1000} s at ${page.url()}`);
  }
}

for (const lang of ["en", "zh"]) {
  const w = WORDS[lang];

  test(`[${lang}] My data shows the person's own values in their words and no table or column name`, async () => {
    const page = await pageFor(staff.context, lang);
    await page.goto(BASE + "/account/data");
    await appReady(page);
    await areaLoaded(page, "/account/data");
    const main = page.getByRole("main");
    await see(page, main.getByRole("heading", { level: 1, name: w.myData }), `the heading "${w.myData}"`);
    await see(page, main.getByText("Ada Lovelace", { exact: true }), "the person's name");
    const value = async (label) => {
      const dd = main.locator("dl.held > div", { has: page.locator("dt", { hasText: label }) }).locator("dd");
      await see(page, dd, `a value labelled "${label}"`);
      return (await dd.allInnerTexts()).map((t) => t.trim());
    };
    assert.deepEqual(await value(w.labels[0]), ["Ada Lovelace"]);
    assert.deepEqual(await value(w.labels[1]), [STAFF]);
    assert.deepEqual(await value(w.labels[2]), ["+442079460958"]);
    assert.deepEqual(await value(w.labels[3]), ["1990-04-25"]);
    if (device) assert.deepEqual(await value(w.labels[4]), [CAMERA_NAME]);
    await see(page, main.getByText(w.password), "the password described, not shown");

    const text = await main.innerText();
    assert.ok(!/_ct\b/.test(text), "no sealed column's name on the page");
    for (const name of UNDERSCORED) {
      assert.ok(!new RegExp(`\\b${name}\\b`).test(text), `the registry's name "${name}" appears on the page`);
    }
    // Every label and title is words: none is a bare table or column name.
    const labels = await main.locator("dt, h2, h3").allInnerTexts();
    for (const label of labels.map((l) => l.trim())) {
      assert.ok(!IDENTIFIERS.includes(label), `"${label}" is a table or column name`);
    }
    assert.ok(!/\$argon2|\b[0-9a-f]{40,}\b/.test(text), "no hash or sealed bytes on the page");
    await checkAxe(page, `/account/data (${lang})`);
    await shots(page, `words-my-data-${lang}`);
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  test(`[${lang}] the signed-out home page says whom Ward is for, with each one's way in`, async () => {
    const context = await browser.newContext();
    await answerBanner(context, "0000");
    const page = await pageFor(context, lang);
    await page.goto(BASE + "/");
    await appReady(page);
    const main = page.getByRole("main");
    await see(page, main.getByRole("heading", { level: 1, name: w.home }), "the home page's heading");
    for (const heading of w.audiences) {
      await see(page, main.getByRole("heading", { level: 3, name: heading }), `"${heading}"`);
    }
    for (const link of w.waysIn) {
      await see(page, main.getByRole("link", { name: link, exact: true }), `the way in "${link}"`);
    }
    // Only what a visitor can use: devices and alarms need an account.
    const nav = page.getByRole("navigation", { name: w.nav.label });
    await see(page, nav.getByRole("link").first(), "the main navigation");
    for (const hidden of w.nav.hidden) {
      assert.equal(await nav.getByRole("link", { name: hidden }).count(), 0, `"${hidden}" is shown to a visitor`);
    }
    await see(page, page.getByTestId("api-version"), "the service status line");
    await page.waitForFunction(
      (re) => new RegExp(re).test(document.querySelector('meta[name="description"]')?.content ?? ""),
      w.description.source,
      { timeout: WAIT },
    );
    assert.equal(await page.locator('meta[name="description"]').count(), 1, "one description");
    await checkAxe(page, `/ (${lang}, signed out)`);
    await shots(page, `words-home-${lang}`);
    // The way in works: "Create an account" opens the sign-up form.
    await main.getByRole("link", { name: w.waysIn[0], exact: true }).first().click();
    await page.waitForURL((u) => u.pathname === "/signup", { timeout: WAIT });
    assert.deepEqual(page.problems, []);
    await context.close();
  });
}

test("search engines may index the public pages and are kept out of private ones", async () => {
  const robots = await (await fetch(BASE + "/robots.txt")).text();
  for (const path of ["/account", "/devices", "/events", "/dev/"]) {
    assert.ok(robots.includes(`Disallow: ${path}`), `robots.txt disallows ${path}`);
  }
  assert.ok(!/^Disallow: \/$/m.test(robots), "robots.txt does not disallow everything");
  for (const path of ["/", "/privacy", "/cookies"]) {
    assert.equal((await fetch(BASE + path)).headers.get("x-robots-tag"), null, `${path} may be indexed`);
  }
  for (const path of ["/account", "/account/data", "/devices"]) {
    assert.equal((await fetch(BASE + path)).headers.get("x-robots-tag"), "noindex", `${path} is not indexed`);
  }
});
