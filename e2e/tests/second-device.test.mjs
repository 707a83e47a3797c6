// Point 3 of the account-core issue: signing in from a second browser closes the first one's
// session; its next request lands on the sign-in page with the reason.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startUmbral, launch, words, PASSWORD, shots } from "./helpers.mjs";

let umbral, browser;
before(async () => {
  umbral = await startUmbral();
  browser = await launch();
  const email = "devices@example.com";
  const r = await fetch(`${umbral.base}/api/v1/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: "Ana Pérez", email, phone: "+5491123456789", password: PASSWORD, accept_terms: true, token: true }),
  });
  const { session_token } = await r.json();
  const code = await umbral.codeFor(email);
  await fetch(`${umbral.base}/api/v1/signup/confirm-email`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${session_token}` },
    body: JSON.stringify({ code }),
  });
});
after(async () => {
  await browser?.close();
  await umbral?.stop();
});

async function signIn(context, lang) {
  const w = words[lang];
  const page = await context.newPage();
  await page.goto(`${umbral.base}/login?lang=${lang}`);
  await page.getByLabel(w.email).fill("devices@example.com");
  await page.getByRole("button", { name: w.next }).click();
  await page.getByLabel(w.password).fill(PASSWORD);
  await page.getByRole("button", { name: w.signIn }).click();
  await page.getByRole("heading", { name: w.hello("Ana Pérez") }).waitFor();
  return page;
}

for (const lang of ["es", "en"]) {
  test(`a second device closes the first session (${lang})`, async () => {
    const w = words[lang];
    const first = await browser.newContext();
    const second = await browser.newContext();
    const a = await signIn(first, lang);
    await signIn(second, lang);
    await a.reload();
    await a.waitForURL("**/login?notice=signed_in_elsewhere");
    const notice = await a.getByRole("status").textContent();
    assert.equal(notice.trim(), w.elsewhere);
    await a.screenshot({ path: join(shots, `signed-in-elsewhere-${lang}.png`), fullPage: true });
    await first.close();
    await second.close();
  });
}
