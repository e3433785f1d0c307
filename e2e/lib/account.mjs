// A new, verified, signed-in person, made through the API in a page's browser context.
import assert from "node:assert/strict";
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
  assert.equal((await page.request.post(BASE + "/api/signup/verify", { data: { email, code } })).status(), 204);
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
