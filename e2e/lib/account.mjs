// A new, verified, signed-in person, made through the API in a page's browser context.
import assert from "node:assert/strict";
import http from "node:http";
import { BASE } from "./browser.mjs";

/** Signs `name` up, verifies the address with the code from the developer mailbox, signs in,
 *  and tells the app this browser has a session. Answers the CSRF token. */
export async function signedIn(page, name = "Grace Hopper") {
  const email = `e2e-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  const password = "correct-horse-battery-staple-42";
  const rules = await (await page.request.get(BASE + "/api/signup")).json();
  const r = await page.request.post(BASE + "/api/signup", {
    data: {
      name, email, phone: "+44 20 7946 0958", password, region: "eu",
      birth_date: "1980-12-09", accepted_policy: rules.policy_version,
    },
  });
  assert.equal(r.status(), 201);
  let code;
  for (let i = 0; i < 50 && !code; i++) {
    const mail = (await (await page.request.get(BASE + "/api/dev/mailbox")).json()).find((m) => m.to.includes(email));
    code = mail?.text.match(/(?<!\d)\d{6}(?!\d)/)?.[0];
    if (!code) await page.waitForTimeout(100);
  }
  // Verification needs the sign-up's password as well as the code.
  const verified = await page.request.post(BASE + "/api/signup/verify", { data: { email, code, password } });
  assert.equal(verified.status(), 204, await verified.text());
  const session = await page.request.post(BASE + "/api/session", { data: { email, password } });
  assert.equal(session.status(), 200);
  // The app remembers that this browser has signed in (src/session.rs); about:blank, which
  // some tests visit, has no localStorage.
  await page.addInitScript(() => {
    try {
      localStorage.setItem("ward.session", "1");
    } catch {}
  });
  return (await session.json()).csrf_token;
}

export const PASSWORD = "correct-horse-battery-staple-42";
/** The privacy staff's address (`WARD_PRIVACY_STAFF` of the server `cargo xtask test` starts). */
export const STAFF = process.env.WARD_E2E_PRIVACY_STAFF ?? "dpo@e2e.example.com";

/** The mail to `email` (with `subject`, if given) in the developer mailbox, once it has
 *  arrived: mail is written by the server after it answers, so it is waited for. */
export async function mailTo(request, email, subject) {
  const deadline = Date.now() + 10000;
  for (;;) {
    const all = await (await request.get(BASE + "/api/dev/mailbox")).json();
    const mail = all.find((m) => m.to === email && (!subject || m.subject === subject));
    if (mail) return mail;
    assert.ok(Date.now() < deadline, `no mail to ${email} ${subject ? `"${subject}" ` : ""}within 10 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The privacy staff person, signed in through the API in `context` (the cookie lands there,
 *  and the app is told); made on first use. Several files use this one account because
 *  sign-ups are limited to 10 an hour from one address and the whole suite runs on one
 *  server from 127.0.0.1. Answers `{ csrf, id }`. */
export async function staffSignedIn(context) {
  let r = await context.request.post(BASE + "/api/session", { data: { email: STAFF, password: PASSWORD } });
  if (r.status() === 401) {
    const rules = await (await context.request.get(BASE + "/api/signup")).json();
    const made = await context.request.post(BASE + "/api/signup", {
      data: {
        name: "Ada Lovelace", email: STAFF, phone: "+44 20 7946 0958", password: PASSWORD, region: "eu",
        birth_date: "1990-04-25", accepted_policy: rules.policy_version,
      },
    });
    assert.equal(made.status(), 201, await made.text());
    const mail = await mailTo(context.request, STAFF, "Your Ward verification code");
    const code = mail.text.match(/Your code: (\d{6})/)[1];
    const v = await context.request.post(BASE + "/api/signup/verify", {
      data: { email: STAFF, code, password: PASSWORD },
    });
    assert.equal(v.status(), 204, await v.text());
    r = await context.request.post(BASE + "/api/session", { data: { email: STAFF, password: PASSWORD } });
  }
  assert.equal(r.status(), 200, await r.text());
  const info = await r.json();
  await context.addInitScript(() => localStorage.setItem("ward.session", "1"));
  return { csrf: info.csrf_token, id: info.account.id };
}

/** One request to the server from `from`, another loopback address (the server counts
 *  sign-ups per client address). Answers the status, headers and text. */
export function sendFrom(from, method, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const url = new URL(BASE + path);
    const data = typeof body === "string" ? body : body && JSON.stringify(body);
    const sent = { ...headers };
    for (const h of ["host", "content-length", "connection"]) delete sent[h];
    if (data) Object.assign(sent, { "content-type": sent["content-type"] ?? "application/json", "content-length": Buffer.byteLength(data) });
    const req = http.request(
      { method, host: url.hostname, port: url.port, path: url.pathname + url.search, localAddress: from, headers: sent },
      (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, text }));
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

/** The page's requests to `path` reach the server from `from` instead of 127.0.0.1: the
 *  browser's own request and the server's own answer, only the client address differs. The
 *  suite signs up from 127.0.0.1 as often as the server allows one address in an hour. */
export async function routeFrom(page, from, path) {
  await page.route((url) => url.pathname === path, async (route) => {
    const r = route.request();
    const res = await sendFrom(from, r.method(), new URL(r.url()).pathname, r.postData() ?? undefined, r.headers());
    const headers = Object.fromEntries(Object.entries(res.headers).filter(([, v]) => typeof v === "string"));
    await route.fulfill({ status: res.status, headers, body: res.text });
  });
}

/** A person signed up and verified through the API from the loopback address `from` (such as
 *  127.0.0.2): another client as far as the server's per-address sign-up limit goes (10 an
 *  hour, which the rest of the suite, all from 127.0.0.1, uses up). Answers `{ email, id }`. */
export async function signedUpFrom(from, { region = "us", birth_date = "2011-02-03", name = "Sam Chen", email } = {}) {
  email ??= `kid-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  const send = (method, path, body) => sendFrom(from, method, path, body);
  const rules = JSON.parse((await send("GET", "/api/signup")).text);
  const made = await send("POST", "/api/signup", {
    name, email, phone: "+1 202 555 0143", password: PASSWORD, region, birth_date, accepted_policy: rules.policy_version,
  });
  assert.equal(made.status, 201, made.text);
  const { request } = await import("playwright-core");
  const api = await request.newContext();
  const mail = await mailTo(api, email, "Your Ward verification code");
  await api.dispose();
  const code = mail.text.match(/Your code: (\d{6})/)[1];
  const verified = await send("POST", "/api/signup/verify", { email, code, password: PASSWORD });
  assert.equal(verified.status, 204, verified.text);
  const session = await send("POST", "/api/session", { email, password: PASSWORD });
  assert.equal(session.status, 200, session.text);
  return { email, id: JSON.parse(session.text).account.id };
}
