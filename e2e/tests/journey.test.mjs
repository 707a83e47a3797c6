// Point 2 of the account-core issue: sign up in the browser, confirm with the emailed code,
// be greeted by name, sign out, sign in again (Email, Next, Password, Sign in).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startUmbral, launch, words, PASSWORD, shots } from "./helpers.mjs";

let umbral, browser;
before(async () => {
  umbral = await startUmbral();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await umbral?.stop();
});

for (const [lang, country, number] of [["es", "AR", "9 11 2345-6789"], ["pt-BR", "BR", "(11) 91234-5678"]]) {
  test(`sign-up, confirmation, sign-out and sign-in in ${lang}`, async () => {
    const w = words[lang];
    const email = `journey-${lang}@example.com`;
    const page = await browser.newPage({ viewport: { width: 360, height: 800 } });
    await page.goto(`${umbral.base}/login?lang=${lang}`);
    await page.getByRole("link", { name: w.title }).click();
    await page.getByRole("heading", { name: w.title }).waitFor();

    // A mistake first: the message appears next to the field and nothing typed is lost.
    await page.getByLabel(w.name, { exact: true }).fill("Ana Souza");
    await page.getByLabel(w.email, { exact: true }).fill(email);
    await page.locator("#phone_country").selectOption(country);
    await page.getByLabel(w.phone).fill(number);
    await page.getByLabel(w.password, { exact: true }).fill("curta");
    await page.getByLabel(w.terms).check();
    await page.getByRole("button", { name: w.create }).click();
    await page.getByText(w.shortPassword).waitFor();
    assert.equal(await page.getByLabel(w.email, { exact: true }).inputValue(), email);
    assert.equal(await page.getByLabel(w.password, { exact: true }).getAttribute("aria-invalid"), "true");
    assert.equal(await page.evaluate(() => document.activeElement.id), "password", "focus on the field to fix");
    await page.screenshot({ path: join(shots, `signup-error-${lang}.png`), fullPage: true });

    await page.getByLabel(w.password, { exact: true }).fill(PASSWORD);
    await page.getByLabel(w.terms).check();
    await page.getByRole("button", { name: w.create }).click();
    await page.waitForURL("**/signup/confirm");
    const code = await umbral.codeFor(email);
    await page.getByLabel(w.code).fill(code);
    await page.getByRole("button", { name: w.confirm }).click();
    await page.getByRole("heading", { name: w.hello("Ana Souza") }).waitFor();
    await page.screenshot({ path: join(shots, `home-${lang}.png`), fullPage: true });

    await page.getByRole("button", { name: w.signOut }).click();
    await page.waitForURL("**/login?notice=signed_out");
    await page.getByLabel(w.email).fill(email);
    await page.getByRole("button", { name: w.next }).click();
    await page.getByLabel(w.password).fill(PASSWORD);
    await page.getByRole("button", { name: w.signIn }).click();
    await page.getByRole("heading", { name: w.hello("Ana Souza") }).waitFor();
    await page.close();
  });
}
