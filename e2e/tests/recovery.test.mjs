// "Forgot your password?": the link from the email, a new password, every old session gone, and
// the second factor still asked at the next sign-in.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startUmbral, launch, words, PASSWORD, shots, apiUserWithApp } from "./helpers.mjs";

let umbral, browser;
before(async () => {
  umbral = await startUmbral();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await umbral?.stop();
});

for (const lang of ["es", "pt-BR"]) {
  test(`password recovery in ${lang}`, async () => {
    const w = words[lang];
    const email = `recover-${lang.toLowerCase()}@example.com`;
    const codes = await apiUserWithApp(umbral, email);
    const page = await browser.newPage({ viewport: { width: 360, height: 800 } });
    await page.goto(`${umbral.base}/login?lang=${lang}`);
    await page.getByLabel(w.email).fill(email);
    await page.getByRole("button", { name: w.next }).click();
    await page.getByRole("link", { name: w.forgot }).click();
    // The email typed at the sign-in comes along.
    await page.waitForURL((u) => u.pathname === "/recover");
    assert.equal(await page.getByLabel(w.email).inputValue(), email);
    await page.getByRole("button", { name: w.sendLink }).click();
    await page.getByText(w.linkSent).waitFor();
    await page.screenshot({ path: join(shots, `recover-sent-${lang}.png`), fullPage: true });

    const link = await umbral.linkFor(email, "/recover/complete?token=");
    await page.goto(link);
    const newPassword = "nueva-senha-forte-2026";
    await page.getByLabel(w.newPassword).fill(newPassword);
    await page.getByRole("button", { name: w.savePassword }).click();
    await page.waitForURL("**/login?notice=password_reset");
    assert.equal((await page.getByRole("status").textContent()).trim(), w.changed);

    await page.getByLabel(w.email).fill(email);
    await page.getByRole("button", { name: w.next }).click();
    await page.getByLabel(w.password).fill(PASSWORD);
    await page.getByRole("button", { name: w.signIn }).click();
    await page.waitForURL("**/login/password");
    await page.getByLabel(w.password).fill(newPassword);
    await page.getByRole("button", { name: w.signIn }).click();
    // The second factor is still asked.
    await page.waitForURL("**/login/second-factor");
    await page.getByRole("link", { name: w.other }).click();
    await page.getByRole("link", { name: new RegExp(w.recoveryCode) }).click();
    await page.getByLabel(w.recoveryCode).fill(codes[0]);
    await page.getByRole("button", { name: w.cont }).click();
    await page.getByRole("heading", { name: w.hello("Ana Pérez") }).waitFor();
    await page.close();
  });
}
