// Sign up in the browser, confirm with the emailed code, set an authenticator app up (QR code and
// key read back independently), keep the recovery codes, be greeted by name, sign out, sign in
// again (Email, Next, Password, Sign in) with a code by email, remember the device, and sign in
// once more without a code.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startUmbral, launch, words, PASSWORD, shots, totpNow, readQr } from "./helpers.mjs";

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

    // Two-factor authentication is required: choose the authenticator app.
    await page.getByRole("heading", { name: w.twofa }).waitFor();
    await page.getByRole("link", { name: w.app }).click();
    await page.waitForURL("**/two-factor/app");
    const secret = (await page.locator("#secret").textContent()).replace(/\s+/g, "");
    const uri = await readQr(page);
    assert.equal(uri, `otpauth://totp/Umbral:${encodeURIComponent(email)}?secret=${secret}&issuer=Umbral`);
    await page.screenshot({ path: join(shots, `two-factor-app-${lang}.png`), fullPage: true });
    await page.getByLabel(w.code).fill(totpNow(secret));
    await page.getByRole("button", { name: w.cont }).click();
    await page.getByRole("heading", { name: w.recovery }).waitFor();
    assert.equal(await page.locator("#recovery-codes li").count(), 10);
    await page.screenshot({ path: join(shots, `recovery-codes-${lang}.png`), fullPage: true });
    await page.getByRole("link", { name: w.cont }).click();
    await page.getByRole("heading", { name: w.hello("Ana Souza") }).waitFor();
    await page.screenshot({ path: join(shots, `home-${lang}.png`), fullPage: true });

    // Sign out and in again: the password, then another method (email), remembering the device.
    const signInWithPassword = async () => {
      await page.getByRole("button", { name: w.signOut }).click();
      await page.waitForURL("**/login?notice=signed_out");
      await page.getByLabel(w.email).fill(email);
      await page.getByRole("button", { name: w.next }).click();
      await page.getByLabel(w.password).fill(PASSWORD);
      await page.getByRole("button", { name: w.signIn }).click();
    };
    await signInWithPassword();
    await page.waitForURL("**/login/second-factor");
    await page.getByRole("link", { name: w.other }).click();
    await page.getByRole("button", { name: new RegExp(w.byEmail) }).click();
    await page.getByText(w.sent(email[0] + "***@example.com")).waitFor();
    const emailed = await umbral.codeFor(email, code);
    await page.getByLabel(w.code).fill(emailed);
    await page.getByLabel(w.remember).check();
    await page.screenshot({ path: join(shots, `challenge-email-${lang}.png`), fullPage: true });
    await page.getByRole("button", { name: w.cont }).click();
    await page.getByRole("heading", { name: w.hello("Ana Souza") }).waitFor();

    // This browser is remembered: the password is enough now.
    await signInWithPassword();
    await page.getByRole("heading", { name: w.hello("Ana Souza") }).waitFor();
    await page.close();
  });
}
