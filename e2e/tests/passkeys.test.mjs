// Passkeys in Chromium with its DevTools virtual authenticator (CTAP2, resident keys, user
// verification): one added at the two-factor step after sign-up, the sign-in from the email
// field's autofill and with the button, the passkey as the second factor after the password, a
// refused user verification, renaming and removing it from Security. In Spanish, Portuguese
// (Brazil) and English.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startUmbral, launch, words, PASSWORD, shoot, apiConfirmed, apiOnboard, readQr, totpNow } from "./helpers.mjs";

// Browsers accept passkeys for a name only: the server is reached as `localhost`.
let umbral, browser;
before(async () => {
  umbral = await startUmbral({ host: "localhost" });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await umbral?.stop();
});

const say = {
  es: {
    passkey: "Llave de acceso", addTitle: "Agregar una llave de acceso", create: "Crear una llave de acceso",
    signInWith: "Iniciar sesión con una llave de acceso", use: "Usar mi llave de acceso",
    notVerified: /debe comprobar que eres tú|No se usó la llave de acceso/, rename: "Cambiar nombre",
    saveName: "Guardar nombre", renamed: "Se cambió el nombre de la llave de acceso.", remove: "Quitar",
    removeConfirm: "Quitarlo", lastRule: "No puedes quitar tu único método", addApp: "Agregar una aplicación de autenticación",
  },
  "pt-BR": {
    passkey: "Chave de acesso", addTitle: "Adicionar uma chave de acesso", create: "Criar uma chave de acesso",
    signInWith: "Entrar com uma chave de acesso", use: "Usar minha chave de acesso",
    notVerified: /precisa confirmar que é você|A chave de acesso não foi usada/, rename: "Renomear",
    saveName: "Salvar nome", renamed: "A chave de acesso foi renomeada.", remove: "Remover",
    removeConfirm: "Remover", lastRule: "Você não pode remover seu único método", addApp: "Adicionar um aplicativo autenticador",
  },
  en: {
    passkey: "Passkey", addTitle: "Add a passkey", create: "Create a passkey",
    signInWith: "Sign in with a passkey", use: "Use my passkey",
    notVerified: /must check it is you|The passkey was not used/, rename: "Rename",
    saveName: "Save name", renamed: "The passkey was renamed.", remove: "Remove",
    removeConfirm: "Remove it", lastRule: "You can't remove your only method", addApp: "Add an authenticator app",
  },
};

async function passwordStep(page, lang, email) {
  const w = words[lang];
  await page.goto(`${umbral.base}/login?lang=${lang}`);
  await page.getByLabel(w.email).fill(email);
  await page.getByRole("button", { name: w.next }).click();
  await page.getByLabel(w.password).fill(PASSWORD);
  await page.getByRole("button", { name: w.signIn }).click();
}

async function signOut(page, lang) {
  await page.getByRole("button", { name: words[lang].signOut }).first().click();
  await page.waitForURL("**/login**");
}

for (const lang of ["es", "pt-BR", "en"]) {
  test(`a passkey from sign-up to removal (${lang})`, async () => {
    const w = words[lang];
    const s = say[lang];
    const email = `passkey-${lang}@example.com`;
    await apiConfirmed(umbral, email);
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true,
        isUserVerified: true, automaticPresenceSimulation: true,
      },
    });

    // The two-factor step offers a passkey beside the app and SMS.
    await passwordStep(page, lang, email);
    await page.waitForURL("**/two-factor");
    await page.getByRole("link", { name: new RegExp(s.passkey) }).waitFor();
    await shoot(page, `two-factor-choices-passkey-${lang}`);
    await page.getByRole("link", { name: new RegExp(s.passkey) }).click();
    await page.getByRole("heading", { name: s.addTitle }).waitFor();
    await shoot(page, `passkey-add-${lang}`);
    await page.getByRole("button", { name: s.create }).click();
    await page.waitForURL("**/recovery-codes");
    const creds = (await cdp.send("WebAuthn.getCredentials", { authenticatorId })).credentials;
    assert.equal(creds.length, 1);
    assert.equal(creds[0].isResidentCredential, true, "a discoverable passkey");
    await page.getByRole("button", { name: w.saved }).click();
    // The company data and the payment are other tests' business.
    const session = (await context.cookies()).find((c) => c.name === "umbral_session").value;
    await apiOnboard(umbral, session);
    await page.goto(`${umbral.base}/?lang=${lang}`);
    await page.getByRole("heading", { name: w.hello("Ana Pérez") }).waitFor();

    // The virtual authenticator answers every request at once, the autofill's included; it is
    // held back while the test looks at a page or types a password.
    const presence = (enabled) =>
      cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId, enabled });

    // Signed out, the email field's autofill offers the passkey: choosing it signs in, nothing
    // typed (the virtual authenticator chooses the one passkey it holds).
    await presence(false);
    await signOut(page, lang);
    await page.goto(`${umbral.base}/login?lang=${lang}`);
    assert.equal(await page.getByLabel(w.email).getAttribute("autocomplete"), "username webauthn");
    await page.getByRole("button", { name: s.signInWith }).waitFor();
    await shoot(page, `login-passkey-${lang}`);
    await presence(true);
    await page.reload();
    await page.getByRole("heading", { name: w.hello("Ana Pérez") }).waitFor();

    // After the password, the passkey is the second factor, offered first.
    await presence(false);
    await signOut(page, lang);
    await passwordStep(page, lang, email);
    await page.waitForURL("**/login/second-factor**");
    await page.getByRole("button", { name: s.use }).waitFor();
    await shoot(page, `challenge-passkey-${lang}`);
    await presence(true);
    await page.getByRole("button", { name: s.use }).click();
    await page.getByRole("heading", { name: w.hello("Ana Pérez") }).waitFor();

    // A passkey that does not verify the person is refused, saying so; nothing signs in.
    await presence(false);
    await signOut(page, lang);
    await cdp.send("WebAuthn.setUserVerified", { authenticatorId, isUserVerified: false });
    await presence(true);
    await page.goto(`${umbral.base}/login?lang=${lang}`);
    await page.getByRole("button", { name: s.signInWith }).click();
    const error = page.locator("#passkey-error");
    await error.waitFor({ state: "visible" });
    assert.match(await error.textContent(), s.notVerified);
    assert.equal(await page.getByLabel(w.email).count(), 1, "still on the sign-in page");
    await shoot(page, `login-passkey-refused-${lang}`);
    await cdp.send("WebAuthn.setUserVerified", { authenticatorId, isUserVerified: true });
    await page.getByRole("button", { name: s.signInWith }).click();
    await page.getByRole("heading", { name: w.hello("Ana Pérez") }).waitFor();

    // Security: renamed; the last method cannot go; with an app beside it, it can.
    await page.goto(`${umbral.base}/settings/security?lang=${lang}`);
    await page.getByText(s.rename).click();
    await page.locator("details.rename input[name=name]").fill("Mi portátil");
    await page.getByRole("button", { name: s.saveName }).click();
    assert.equal((await page.getByRole("status").first().textContent()).trim(), s.renamed);
    assert.ok((await page.locator("#factors").textContent()).includes("Mi portátil"));
    await shoot(page, `security-passkey-${lang}`);
    await page.locator("#factors").getByRole("link", { name: s.remove }).click();
    await page.getByRole("button", { name: s.removeConfirm }).click();
    assert.ok((await page.locator("#form-error").textContent()).includes(s.lastRule), "the last method stays");
    await page.getByRole("link", { name: s.addApp }).click();
    const secret = new URL(await readQr(page)).searchParams.get("secret");
    await page.getByLabel(w.code).fill(totpNow(secret));
    await page.getByRole("button", { name: w.cont }).click();
    await page.waitForURL("**/settings/security**");
    await page.locator("#factors li", { hasText: "Mi portátil" }).getByRole("link", { name: s.remove }).click();
    await page.getByRole("button", { name: s.removeConfirm }).click();
    await page.waitForURL("**/settings/security?notice=factor_removed");
    assert.ok(!(await page.locator("#factors").textContent()).includes("Mi portátil"));
    await context.close();
  });
}

test("without WebAuthn or without JavaScript the passkey buttons stay hidden", async () => {
  // A browser without WebAuthn: the script finds no PublicKeyCredential.
  const bare = await browser.newContext();
  await bare.addInitScript(() => { delete window.PublicKeyCredential; });
  const page = await bare.newPage();
  await page.goto(`${umbral.base}/login?lang=en`);
  await page.getByLabel(words.en.email).waitFor();
  assert.equal(await page.getByRole("button", { name: say.en.signInWith }).count(), 0);
  await bare.close();
  // Without JavaScript: no button either, and the passkey page says why it cannot work.
  const noScript = await browser.newContext({ javaScriptEnabled: false });
  const p2 = await noScript.newPage();
  await p2.goto(`${umbral.base}/login?lang=es`);
  await p2.getByLabel(words.es.email).waitFor();
  assert.equal(await p2.getByRole("button", { name: say.es.signInWith }).count(), 0);
  const html = await (await fetch(`${umbral.base}/login?lang=es`)).text();
  assert.ok(html.includes('data-passkey-only hidden'), "hidden until the script shows it");
  await noScript.close();
});
