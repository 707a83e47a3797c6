// Signing in from a second browser (password and a recovery code) closes the first one's
// session; its next request lands on the sign-in page with the reason.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startUmbral, launch, words, PASSWORD, shots, shoot, apiUserWithApp } from "./helpers.mjs";

let umbral, browser, codes;
before(async () => {
  umbral = await startUmbral();
  browser = await launch();
  codes = await apiUserWithApp(umbral, "devices@example.com");
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
  // The second factor: one of the recovery codes, each good once.
  await page.getByRole("link", { name: w.other }).click();
  await page.getByRole("link", { name: new RegExp(w.recoveryCode) }).click();
  await page.getByLabel(w.recoveryCode).fill(codes.shift());
  await page.getByRole("button", { name: w.cont }).click();
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

test("the security tab shows moments in the browser's time zone", async () => {
  // Córdoba is UTC-3 all year: the session that just started is shown in that time.
  const context = await browser.newContext({ timezoneId: "America/Argentina/Cordoba", locale: "es-AR" });
  const page = await signIn(context, "es");
  // The script tells the server the zone on the first page; every page after it uses it.
  await page.goto(`${umbral.base}/settings/security?lang=es`);
  const sessions = await page.locator("main").textContent();
  assert.match(sessions, /\d{1,2} de [a-z]+ de \d{4}, \d{2}:\d{2} UTC\u22123/);
  const now = new Date(Date.now() - 3 * 3600 * 1000);
  const hour = String(now.getUTCHours()).padStart(2, "0");
  assert.ok(sessions.includes(`, ${hour}:`), `local hour ${hour} in ${sessions}`);
  await shoot(page, "security-local-time-es");
  await context.close();
});
