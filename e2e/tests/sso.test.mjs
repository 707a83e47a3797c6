// Single sign-on in the browser: two applications of the vendor (openid-client relying parties
// started here) and one sign-in. The first sends the person to Umbral, who signs in with the
// password and the authenticator app and lands back in it; the second opens with no sign-in;
// signing out from the first signs the person out of the second too.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { startUmbral, launch, words, PASSWORD, shoot, apiUser } from "./helpers.mjs";
import { startDemoApp } from "./demo-app.mjs";

let umbral, browser;
const apps = [];
before(async () => {
  umbral = await startUmbral();
  browser = await launch();
});
after(async () => {
  for (const a of apps) await a.stop();
  await browser?.close();
  await umbral?.stop();
});

function freePort() {
  return new Promise((ok) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

async function demo(name, { thirdParty = false } = {}) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const out = umbral.cli([
    "client", "create", "--name", name, "--redirect-uri", `${base}/cb`,
    "--post-logout-redirect-uri", `${base}/bye`, "--backchannel-logout-uri", `${base}/backchannel`,
    "--json", ...(thirdParty ? ["--third-party", "--id-token-alg", "ES256"] : []),
  ]);
  const { client_id, client_secret } = JSON.parse(out);
  const app = await startDemoApp(name, port, umbral.base, client_id, client_secret);
  apps.push(app);
  return app;
}

const consent = {
  es: { title: (a) => `¿Permitir a ${a}?`, allow: "Permitir" },
  "pt-BR": { title: (a) => `Permitir ${a}?`, allow: "Permitir" },
  en: { title: (a) => `Allow ${a}?`, allow: "Allow" },
};

for (const lang of ["es", "pt-BR", "en"]) {
  test(`one sign-in reaches two applications, one sign-out leaves both (${lang})`, async () => {
    const w = words[lang];
    const email = `sso-${lang.toLowerCase()}@example.com`;
    const { codes } = await apiUser(umbral, email, "Ana Pérez");
    const billing = await demo(`Billing ${lang}`);
    // Someone else's application: the person is asked once.
    const reports = await demo(`Reports ${lang}`, { thirdParty: true });
    const context = await browser.newContext({ viewport: { width: 360, height: 800 }, locale: lang });
    const page = await context.newPage();
    // The first application sends the person to Umbral's sign-in, in their language.
    await page.goto(`${billing.base}/login`);
    await page.waitForURL(`${umbral.base}/login**`);
    await shoot(page, `sso-sign-in-${lang.toLowerCase()}`);
    await page.getByLabel(w.email).fill(email);
    await page.getByRole("button", { name: w.next }).click();
    await page.getByLabel(w.password).fill(PASSWORD);
    await page.getByRole("button", { name: w.signIn }).click();
    await page.waitForURL("**/login/second-factor");
    // The app's current code was just used to set it up: a recovery code instead.
    await page.getByRole("link", { name: w.other }).click();
    await page.getByRole("link", { name: new RegExp(w.recoveryCode) }).click();
    await page.getByLabel(w.recoveryCode).fill(codes[0]);
    await page.getByRole("button", { name: w.cont }).click();
    // Back in the application, signed in.
    await page.waitForURL(`${billing.base}/`).catch(async (e) => {
      throw new Error(`not back in Billing: at ${page.url()}: ${(await page.locator("body").innerText()).slice(0, 500)}`, { cause: e });
    });
    assert.equal(await page.locator("#status").textContent(), `Signed in to Billing ${lang} as ${email}`);
    // The second application: no sign-in page at all.
    const seen = [];
    page.on("framenavigated", (f) => f === page.mainFrame() && seen.push(f.url()));
    await page.goto(`${reports.base}/login`);
    await page.waitForURL(`${umbral.base}/oauth2/consent`);
    await page.getByRole("heading", { name: consent[lang].title(`Reports ${lang}`) }).waitFor();
    await shoot(page, `sso-consent-${lang.toLowerCase()}`);
    await page.getByRole("button", { name: consent[lang].allow, exact: true }).click();
    await page.waitForURL(`${reports.base}/`);
    assert.equal(await page.locator("#status").textContent(), `Signed in to Reports ${lang} as ${email}`);
    assert.ok(!seen.some((u) => u.startsWith(`${umbral.base}/login`)), seen.join("\n"));
    // The first (the vendor's own: it gets refresh tokens) refreshes, and its refresh token
    // rotates; then it revokes it, and it no longer works.
    await page.goto(`${billing.base}/refresh`);
    assert.equal(await page.locator("#status").textContent(), `Refreshed Billing ${lang}: rotated`);
    await page.goto(`${billing.base}/revoke`);
    assert.equal(await page.locator("#status").textContent(), `Revoked in Billing ${lang}: refresh refused: invalid_grant`);
    // Signing out of the first ends the Umbral session; the second sees it at once.
    await page.goto(`${billing.base}/logout`);
    await page.waitForURL(`${billing.base}/bye**`);
    assert.equal(await page.locator("#status").textContent(), `Signed out of Billing ${lang} (state bye)`);
    await page.goto(`${reports.base}/`);
    assert.equal(await page.locator("#status").textContent(), `Not signed in to Reports ${lang}`);
    // And both were told over the back channel, with a logout token each verified on the JWKS
    // (ES256 for the second, as it asked).
    for (const [app, alg] of [[billing, "RS256"], [reports, "ES256"]]) {
      // Delivered by Umbral's worker: look again for a while.
      const expected = new RegExp(`^logout token for sid \\S+ \\(${alg}\\)$`);
      let told = "";
      for (let i = 0; i < 60 && !expected.test(told); i++) {
        if (i) await new Promise((r) => setTimeout(r, 500));
        await page.goto(`${app.base}/told`);
        told = await page.locator("#status").textContent();
      }
      assert.match(told, expected);
    }
    // Signing in to the second again asks for the sign-in.
    await page.goto(`${reports.base}/login`);
    await page.waitForURL(`${umbral.base}/login**`);
    await context.close();
  });
}
