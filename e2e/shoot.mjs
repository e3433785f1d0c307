// Developer tool: screenshot a page as a person would see it.
// usage: node e2e/shoot.mjs URL OUT.png [width] [light|dark] [en|zh]
// With WARD_SHOOT_EMAIL and WARD_SHOOT_PASSWORD set, the page is shot signed in as them,
// with the cookie banner answered ("Reject all"), as a returning person sees it.
import { launch, answerBanner } from "./lib/browser.mjs";

const [url, out, width = "1280", scheme = "light", lang] = process.argv.slice(2);
const browser = await launch();
const context = await browser.newContext({ viewport: { width: Number(width), height: 800 }, colorScheme: scheme });
const { WARD_SHOOT_EMAIL: email, WARD_SHOOT_PASSWORD: password } = process.env;
if (email) {
  const r = await context.request.post(new URL("/api/session", url).href, { data: { email, password } });
  if (!r.ok()) throw new Error(`sign-in as ${email}: ${r.status()} ${await r.text()}`);
  await context.addInitScript(() => localStorage.setItem("ward.session", "1"));
  await answerBanner(context, "0000", new URL(url).origin);
}
if (lang) await context.addInitScript((l) => localStorage.setItem("ward.lang", l), lang);
const page = await context.newPage();
page.on("console", (m) => console.log(`[${m.type()}] ${m.text()}`));
await page.goto(url);
await page.waitForTimeout(1500);
await page.screenshot({ path: out, fullPage: true });
await browser.close();
