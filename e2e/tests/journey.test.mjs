// Sign up in the browser from the vendor's link (/signup?plan=starter), confirm with the emailed
// code, set an authenticator app up (QR code and key read back independently), keep the recovery
// codes, stop at the company step and sign in again to land on it, give the company data
// (Argentina with a CUIT; Brazil with a CNPJ and a CEP looked up from an imported CSV), pay in the
// sandbox (a declined card, then a good one), see "Your account is ready!" and "First steps", be
// greeted by name, sign out, sign in again (Email, Next, Password, Sign in) with a code by email,
// remember the device, and sign in once more without a code.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { startUmbral, launch, words, PASSWORD, shots, shoot, totpNow, readQr, apiUser } from "./helpers.mjs";

let umbral, browser;
before(async () => {
  umbral = await startUmbral();
  browser = await launch();
  // Brazil's CEPs, street level, as `umbral postal import` reads them.
  const csv = join(mkdtempSync(join(tmpdir(), "ceps-")), "ceps.csv");
  writeFileSync(csv, "postal_code,street,neighbourhood,city,state\n01310-100,Avenida Paulista,Bela Vista,São Paulo,SP\n");
  umbral.cli(["postal", "import", "--format", "csv", "--country", "BR", csv]);
});
after(async () => {
  await browser?.close();
  await umbral?.stop();
});

const companies = {
  // Argentina: a CUIT mistyped first; the address typed by hand.
  AR: { taxLabel: "CUIT", wrong: "30-71234567-0", taxId: "30-71234567-1", postal: "C1425DKA", fill: { street: "Av. Santa Fe", city: "Buenos Aires", state: "CABA" } },
  // Brazil: a CNPJ, and a CEP whose street comes from the imported table.
  BR: { taxLabel: "CNPJ / CPF", wrong: "11.222.333/0001-80", taxId: "11.222.333/0001-81", postal: "01310-100", lookedUp: "Avenida Paulista" },
};

for (const [lang, country, number] of [["es", "AR", "9 11 2345-6789"], ["pt-BR", "BR", "(11) 91234-5678"]]) {
  test(`sign-up from the vendor's link to a ready account, then sign-out and sign-in in ${lang}`, async () => {
    const w = words[lang];
    const email = `journey-${lang}@example.com`;
    let page = await browser.newPage({ viewport: { width: 360, height: 800 } });
    await page.goto(`${umbral.base}/login?lang=${lang}`);
    assert.equal(await page.getByRole("link", { name: w.title }).getAttribute("href"), "/signup");
    // The vendor's site links to the sign-up with the plan chosen there.
    await page.goto(`${umbral.base}/signup?plan=starter`);
    await page.getByRole("heading", { name: w.title }).waitFor();

    // A mistake first: the message appears next to the field and nothing typed is lost.
    await page.getByLabel(w.name, { exact: true }).fill("Ana Suza");
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
    await shoot(page, `signup-error-${lang}`);

    await page.getByLabel(w.password, { exact: true }).fill(PASSWORD);
    await page.getByLabel(w.terms).check();
    await page.getByRole("button", { name: w.create }).click();
    await page.waitForURL("**/signup/confirm");
    const firstCode = await umbral.codeFor(email);
    // Back, fix the typo in the name, send again: the same sign-up, updated, with a new code.
    // (Back here leads to the answer of the first, refused POST; the form itself is the same.)
    await page.goto(`${umbral.base}/signup?plan=starter`);
    await page.getByRole("heading", { name: w.title }).waitFor();
    await page.getByLabel(w.name, { exact: true }).fill("Ana Souza");
    await page.getByLabel(w.email, { exact: true }).fill(email);
    await page.locator("#phone_country").selectOption(country);
    await page.getByLabel(w.phone).fill(number);
    await page.getByLabel(w.password, { exact: true }).fill(PASSWORD);
    await page.getByLabel(w.terms).check();
    await page.getByRole("button", { name: w.create }).click();
    await page.waitForURL("**/signup/confirm");
    const code = await umbral.codeFor(email, firstCode);
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
    const recoveryCodes = await page.locator("#recovery-codes li").allTextContents();
    await shoot(page, `recovery-codes-${lang}`);
    // A reload shows the same codes (the page is a GET after the POST), and adds no factor.
    await page.reload();
    await page.getByRole("heading", { name: w.recovery }).waitFor();
    assert.deepEqual(await page.locator("#recovery-codes li").allTextContents(), recoveryCodes);
    await page.getByRole("button", { name: w.saved }).click();
    await page.getByRole("heading", { name: w.company }).waitFor();

    // Stop here; sign in later from another browser: the first unfinished step opens.
    await page.close();
    const later = await browser.newContext({ viewport: { width: 360, height: 800 } });
    page = await later.newPage();
    await page.goto(`${umbral.base}/login?lang=${lang}`);
    await page.getByLabel(w.email).fill(email);
    await page.getByRole("button", { name: w.next }).click();
    await page.getByLabel(w.password).fill(PASSWORD);
    await page.getByRole("button", { name: w.signIn }).click();
    await page.getByRole("link", { name: w.other }).click();
    await page.getByRole("link", { name: new RegExp(w.recoveryCode) }).click();
    await page.getByLabel(w.recoveryCode).fill(recoveryCodes[0].trim());
    await page.getByRole("button", { name: w.cont }).click();
    await page.waitForURL("**/onboarding/company");

    // The company data: the country (from the phone) names its tax id; a typo is caught as typed.
    const co = companies[country];
    assert.equal(await page.getByLabel(w.country).inputValue(), country);
    await page.getByLabel(co.taxLabel, { exact: true }).fill(co.wrong);
    await page.getByText(w.checkDigit).waitFor();
    await page.getByLabel(co.taxLabel, { exact: true }).fill(co.taxId);
    await page.getByText(`✓ ${co.taxId}`).waitFor();
    await page.getByLabel(w.legalName).fill(country === "AR" ? "Acme SA" : "Acme Ltda");
    await page.getByLabel(w.employees).selectOption("11-50");
    await page.getByLabel(w.segment).selectOption("technology");
    await page.getByLabel(w.postal, { exact: true }).fill(co.postal);
    await page.getByLabel(w.postal, { exact: true }).blur();
    if (co.lookedUp) {
      await page.waitForFunction((v) => document.getElementById("street").value === v, co.lookedUp);
      assert.equal(await page.getByLabel(w.city).inputValue(), "São Paulo");
      assert.equal(await page.getByLabel(w.neighbourhood).inputValue(), "Bela Vista");
    } else {
      await page.getByLabel(w.street).fill(co.fill.street);
      await page.getByLabel(w.city).fill(co.fill.city);
      await page.getByLabel(w.state).fill(co.fill.state);
    }
    await page.getByLabel(w.number, { exact: true }).fill("1578");
    await shoot(page, `company-${lang}`);
    await page.getByRole("button", { name: w.addData }).click();

    // The checkout: the plan picked on the vendor's site, in the country's currency.
    await page.getByRole("heading", { name: w.payment }).waitFor();
    await page.getByText(w.summary).waitFor();
    const total = await page.locator("#summary-total").textContent();
    assert.ok(total.includes(country === "AR" ? "ARS" : "R$"), total);
    const payWith = async (card) => {
      await page.getByLabel(w.cardNumber).fill(card);
      await page.getByLabel(w.month).fill("12");
      await page.getByLabel(w.year).fill("2040");
      await page.getByLabel(w.cvc).fill("123");
      await page.getByRole("button", { name: new RegExp(w.pay) }).click();
    };
    await payWith("4000 0000 0000 0002");
    await page.getByText(w.declined).waitFor();
    await shoot(page, `checkout-declined-${lang}`);
    await payWith("4242 4242 4242 4242");
    await page.getByRole("heading", { name: w.ready }).waitFor();
    await shoot(page, `ready-${lang}`);
    await page.getByRole("link", { name: w.home }).click();
    await page.getByRole("heading", { name: w.firstSteps }).waitFor();
    await page.getByRole("button", { name: w.skip }).click();
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

// The postal code changed after a lookup: the new lookup replaces what the first one filled,
// never what the person typed; the 8-character CPA finds its 4-digit code.
for (const lang of ["es", "pt-BR"]) {
  test(`a changed postal code replaces the address the first lookup filled (${lang})`, async () => {
    const w = words[lang];
    const geonames = join(mkdtempSync(join(tmpdir(), "geonames-")), "AR.txt");
    writeFileSync(
      geonames,
      "AR\t1425\tPalermo\tCiudad Autónoma de Buenos Aires\tC\t\t\t\t\t-34.58\t-58.42\t4\n" +
        "AR\t5000\tCórdoba\tCórdoba\tX\t\t\t\t\t-31.4\t-64.18\t4\n",
    );
    umbral.cli(["postal", "import", "--format", "geonames", geonames]);
    const email = `postal-${lang.toLowerCase()}@example.com`;
    const { codes } = await apiUser(umbral, email, "Pablo Postal", { onboard: false });
    const page = await browser.newPage({ viewport: { width: 360, height: 800 } });
    await page.goto(`${umbral.base}/login?lang=${lang}`);
    await page.getByLabel(w.email).fill(email);
    await page.getByRole("button", { name: w.next }).click();
    await page.getByLabel(w.password).fill(PASSWORD);
    await page.getByRole("button", { name: w.signIn }).click();
    await page.getByRole("link", { name: w.other }).click();
    await page.getByRole("link", { name: new RegExp(w.recoveryCode) }).click();
    await page.getByLabel(w.recoveryCode).fill(codes[0]);
    await page.getByRole("button", { name: w.cont }).click();
    await page.waitForURL("**/onboarding/company");
    await page.getByLabel(w.country).selectOption("AR");
    const postal = page.getByLabel(w.postal, { exact: true });
    const city = () => page.getByLabel(w.city).inputValue();
    await postal.fill("1425");
    await postal.blur();
    await page.waitForFunction(() => document.getElementById("city").value === "Palermo");
    await postal.fill("X5000ABC");
    await postal.blur();
    await page.waitForFunction(() => document.getElementById("city").value === "Córdoba");
    assert.equal(await page.getByLabel(w.state).inputValue(), "Córdoba");
    // What the person types stays through the next lookup.
    await page.getByLabel(w.city).fill("Villa Allende");
    await postal.fill("C1425XYZ");
    await postal.blur();
    await page.waitForFunction(() => document.getElementById("state").value === "Ciudad Autónoma de Buenos Aires");
    assert.equal(await city(), "Villa Allende");
    await shoot(page, `postal-changed-${lang}`);
    await page.close();
  });
}
