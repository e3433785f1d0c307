// Developer tool: screenshot a page as a person would see it.
// usage: node e2e/shoot.mjs URL OUT.png [width] [light|dark]
import { launch } from "./lib/browser.mjs";

const [url, out, width = "1280", scheme = "light"] = process.argv.slice(2);
const browser = await launch();
const context = await browser.newContext({ viewport: { width: Number(width), height: 800 }, colorScheme: scheme });
const page = await context.newPage();
page.on("console", (m) => console.log(`[${m.type()}] ${m.text()}`));
await page.goto(url);
await page.waitForTimeout(1500);
await page.screenshot({ path: out, fullPage: true });
await browser.close();
