// The privacy staff at work on one request, as they reach it: the console's queue, filtered
// to guardians' requests, and the request's own page.
import { BASE, appReady, areaLoaded, answerBanner, pageIn } from "./browser.mjs";
import { staffSignedIn } from "./account.mjs";

/** The staff, signed in in a context of their own, open the guardian's request `id` from the
 *  queue. Answers the context, the page and its "Verify the guardian" section. */
export async function staffOpenGuardianRequest(browser, id) {
  const context = await browser.newContext();
  await staffSignedIn(context);
  await answerBanner(context, "0000");
  const desk = await pageIn(context);
  await desk.goto(BASE + "/");
  await appReady(desk);
  await desk.getByRole("banner").getByRole("link", { name: "Account", exact: true }).click();
  await desk.getByRole("navigation", { name: "Account sections" }).getByRole("link", { name: "Requests queue (privacy staff)" }).click();
  await areaLoaded(desk, "/staff/requests");
  await desk.getByLabel("Kind").selectOption("guardian");
  await desk.locator(`a[href*="id=${id}"]`).click();
  return { context, desk, verify: desk.getByRole("region", { name: "Verify the guardian" }) };
}

/** The staff fulfil the open request with `text` and wait until the answer is sent. */
export async function staffFulfil(desk, text) {
  await desk.getByRole("radio", { name: "Done as asked" }).check();
  await desk.getByRole("textbox", { name: "Message to the person" }).fill(text);
  await desk.getByRole("button", { name: "Send the answer" }).click();
  await desk.getByRole("status").getByText("The answer was sent.").waitFor();
}
