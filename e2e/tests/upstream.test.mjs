// "Acceder con Corp" / "Entrar com o Corp": a second Umbral is the OpenID Connect provider
// (reached at localhost, so the two servers' cookies stay apart). From the vendor's link
// (/signup?plan=starter): the provider's own sign-in with its second factor, the one page of
// what the provider did not give, 2FA set-up, company data, payment, "¡Listo!". Then out, and
// back in with the provider alone (and the second factor).
import { test, before, after } from "node:test";
import dgram from "node:dgram";
import assert from "node:assert/strict";
import { startUmbral, freePort, launch, words, PASSWORD, shoot, totpNow, apiUser } from "./helpers.mjs";


/** A DNS server answering TXT queries from `records` (name -> texts); NXDOMAIN otherwise. */
function startDns(records) {
  return new Promise((ok) => {
    const socket = dgram.createSocket("udp4");
    socket.on("message", (msg, from) => {
      let i = 12;
      const labels = [];
      while (i < msg.length && msg[i] !== 0) {
        labels.push(msg.subarray(i + 1, i + 1 + msg[i]).toString().toLowerCase());
        i += 1 + msg[i];
      }
      const question = msg.subarray(12, i + 5);
      const texts = records[labels.join(".")];
      const parts = [msg.subarray(0, 2), Buffer.from(texts ? [0x81, 0x80] : [0x81, 0x83]), Buffer.from([0, 1, 0, (texts || []).length, 0, 0, 0, 0]), question];
      for (const t of texts || []) {
        const data = Buffer.from(t);
        parts.push(Buffer.from([0xc0, 0x0c, 0, 16, 0, 1, 0, 0, 0, 0, 0, data.length + 1, data.length]), data);
      }
      socket.send(Buffer.concat(parts), from.port, from.address);
    });
    socket.bind(0, "127.0.0.1", () => ok({ addr: `127.0.0.1:${socket.address().port}`, close: () => socket.close() }));
  });
}

let idp, app, browser, dns;
const records = {};
before(async () => {
  dns = await startDns(records);
  idp = await startUmbral({ host: "localhost" });
  const port = await freePort();
  const created = JSON.parse(
    idp.cli(["client", "create", "--name", "Umbral", "--redirect-uri", `http://127.0.0.1:${port}/login/idp/corp/callback`, "--json"]),
  );
  const providers = `[{ id = "corp", kind = "oidc", name = "Corp", issuer = "${idp.base}", client_id = "${created.client_id}", client_secret = "${created.client_secret}" }]`;
  app = await startUmbral({ port, env: { UMBRAL_IDENTITY_PROVIDERS: providers, UMBRAL_DNS_RESOLVER: dns.addr } });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await app?.stop();
  await idp?.stop();
  dns?.close();
});

const more = {
  es: { with: "Acceder con Corp", finish: "Termina de crear tu cuenta", locale: "es-AR" },
  "pt-BR": { with: "Entrar com o Corp", finish: "Termine de criar sua conta", locale: "pt-BR" },
};

for (const [lang, country, number] of [["es", "AR", "9 11 2345-6789"], ["pt-BR", "BR", "(11) 91234-5678"]]) {
  test(`sign-up with the provider from the vendor's link to a ready account, and back, in ${lang}`, async () => {
    const w = words[lang];
    const m = more[lang];
    const email = `corp-${lang}@corp.example`;
    // The person's account at the provider, with its authenticator app.
    const atIdp = await apiUser(idp, email, "Dana Prado");
    const context = await browser.newContext({ viewport: { width: 360, height: 800 }, locale: m.locale });
    const page = await context.newPage();
    await page.goto(`${app.base}/signup?plan=starter&lang=${lang}`);
    await shoot(page, `signup-with-provider-${lang}`);
    await page.getByRole("button", { name: m.with }).click();

    // The provider's own sign-in page, in the browser's language, and its second factor.
    await page.waitForURL(`${idp.base}/login**`);
    await page.getByLabel(w.email).fill(email);
    await page.getByRole("button", { name: w.next }).click();
    await page.getByLabel(w.password).fill(PASSWORD);
    await page.getByRole("button", { name: w.signIn }).click();
    await page.waitForURL("**/login/second-factor");
    await page.getByRole("link", { name: w.other }).click();
    await page.getByRole("link", { name: new RegExp(w.recoveryCode) }).click();
    await page.getByLabel(w.recoveryCode).fill(atIdp.codes[0].trim());
    await page.getByRole("button", { name: w.cont }).click();

    // Back: one page for what the provider did not give.
    await page.getByRole("heading", { name: m.finish }).waitFor();
    assert.ok((await page.textContent("main")).includes(email));
    assert.equal(await page.getByLabel(w.name, { exact: true }).inputValue(), "Dana Prado");
    await page.locator("#phone_country").selectOption(country);
    await page.getByLabel(w.phone).fill(number);
    await page.getByRole("button", { name: w.create }).click();
    // Without the terms: said next to the box, nothing lost.
    assert.equal(await page.getByLabel(w.terms).getAttribute("aria-invalid"), "true");
    assert.equal(await page.getByLabel(w.phone).inputValue(), number);
    await shoot(page, `signup-provider-profile-${lang}`);
    await page.getByLabel(w.terms).check();
    await page.getByRole("button", { name: w.create }).click();

    // The usual steps: two-factor set-up, company data, payment.
    await page.getByRole("heading", { name: w.twofa }).waitFor();
    await page.getByRole("link", { name: w.app }).click();
    const secret = (await page.locator("#secret").textContent()).replace(/\s+/g, "");
    await page.getByLabel(w.code).fill(totpNow(secret));
    await page.getByRole("button", { name: w.cont }).click();
    await page.getByRole("button", { name: w.saved }).click();
    await page.getByRole("heading", { name: w.company }).waitFor();
    await page.getByLabel(w.legalName).fill(country === "AR" ? "Corp SA" : "Corp Ltda");
    await page.getByLabel(country === "AR" ? "CUIT" : "CNPJ / CPF", { exact: true }).fill(
      country === "AR" ? "30-71234567-1" : "11.222.333/0001-81",
    );
    await page.getByLabel(w.employees).selectOption("11-50");
    await page.getByLabel(w.segment).selectOption("technology");
    await page.getByLabel(w.postal, { exact: true }).fill(country === "AR" ? "C1425DKA" : "01310-100");
    await page.getByLabel(w.street).fill("Av. Corrientes");
    await page.getByLabel(w.number, { exact: true }).fill("1578");
    await page.getByLabel(w.city).fill(country === "AR" ? "Buenos Aires" : "São Paulo");
    await page.getByLabel(w.state).fill(country === "AR" ? "CABA" : "SP");
    if (country === "BR") await page.getByLabel(w.neighbourhood).fill("Bela Vista");
    await page.getByRole("button", { name: w.addData }).click();
    await page.getByRole("heading", { name: w.payment }).waitFor();
    await page.getByLabel(w.cardNumber).fill("4242 4242 4242 4242");
    await page.getByLabel(w.month).fill("12");
    await page.getByLabel(w.year).fill("2040");
    await page.getByLabel(w.cvc).fill("123");
    await page.getByRole("button", { name: new RegExp(w.pay) }).click();
    await page.getByRole("heading", { name: w.ready }).waitFor();
    await shoot(page, `ready-with-provider-${lang}`);

    // Out, and back in with the provider alone (signed in there still), then the second factor.
    await page.getByRole("link", { name: w.home }).click();
    await page.getByRole("button", { name: w.skip }).click();
    await page.getByRole("heading", { name: w.hello("Dana Prado") }).waitFor();
    await page.getByRole("button", { name: w.signOut }).click();
    await page.waitForURL("**/login?notice=signed_out");
    await shoot(page, `login-with-provider-${lang}`);
    await page.getByRole("button", { name: m.with }).click();
    await page.waitForURL("**/login/second-factor");
    await new Promise((r) => setTimeout(r, 31_000 - (Date.now() % 30_000))); // a fresh 30-second step
    await page.getByLabel(w.code).fill(totpNow(secret));
    await page.getByRole("button", { name: w.cont }).click();
    await page.getByRole("heading", { name: w.hello("Dana Prado") }).waitFor();
    await context.close();
  });
}

const linking = {
  es: { exists: "Ya existe una cuenta con este correo", link: "Vincular Corp", linked: "La cuenta quedó vinculada" },
  "pt-BR": { exists: "Já existe uma conta com este e-mail", link: "Vincular o Corp", linked: "A conta foi vinculada" },
};

for (const lang of ["es", "pt-BR"]) {
  test(`an existing account is linked to the provider only after its password and second factor, in ${lang}`, async () => {
    const w = words[lang];
    const l = linking[lang];
    const email = `link-${lang}@corp.example`;
    const atIdp = await apiUser(idp, email, "Eva Lima");
    const here = await apiUser(app, email, "Eva Lima");
    const context = await browser.newContext({ viewport: { width: 360, height: 800 }, locale: more[lang].locale });
    const page = await context.newPage();
    await page.goto(`${app.base}/login?lang=${lang}`);
    await page.getByRole("button", { name: more[lang].with }).click();
    await page.waitForURL(`${idp.base}/login**`);
    await page.getByLabel(w.email).fill(email);
    await page.getByRole("button", { name: w.next }).click();
    await page.getByLabel(w.password).fill(PASSWORD);
    await page.getByRole("button", { name: w.signIn }).click();
    await page.getByRole("link", { name: w.other }).click();
    await page.getByRole("link", { name: new RegExp(w.recoveryCode) }).click();
    await page.getByLabel(w.recoveryCode).fill(atIdp.codes[0].trim());
    await page.getByRole("button", { name: w.cont }).click();

    // Back here: the provider alone does not open the account; its owner signs in to it.
    await page.getByText(l.exists).waitFor();
    assert.equal(await page.getByLabel(w.email).inputValue(), email);
    await shoot(page, `login-link-notice-${lang}`);
    await page.getByRole("button", { name: w.next }).click();
    await page.getByLabel(w.password).fill(PASSWORD);
    await page.getByRole("button", { name: w.signIn }).click();
    await page.getByRole("link", { name: w.other }).click();
    await page.getByRole("link", { name: new RegExp(w.recoveryCode) }).click();
    await page.getByLabel(w.recoveryCode).fill(here.codes[0].trim());
    await page.getByRole("button", { name: w.cont }).click();
    await page.getByRole("button", { name: l.link }).waitFor();
    await shoot(page, `login-link-confirm-${lang}`);
    await page.getByRole("button", { name: l.link }).click();
    await page.getByText(l.linked).waitFor();
    await page.locator("#idps").scrollIntoViewIfNeeded();
    assert.ok((await page.locator("#idps").textContent()).includes(email));
    await shoot(page, `security-linked-provider-${lang}`);
    await context.close();
  });
}

const sso = {
  es: {
    title: "Inicio de sesión único", issuer: "Emisor de tu proveedor", domain: "Dominio de correo", save: "Guardar", saved: "Se guardó.", verify: "Verificar",
    verified: "El dominio quedó verificado", on: "Inicio de sesión único activado", trust: "Aceptar el segundo factor del propio proveedor",
  },
  "pt-BR": {
    title: "Login único", issuer: "Emissor do seu provedor", domain: "Domínio de e-mail", save: "Salvar", saved: "Salvo.", verify: "Verificar",
    verified: "O domínio foi verificado", on: "Login único ativado", trust: "Aceitar o segundo fator do próprio provedor",
  },
};

for (const lang of ["es", "pt-BR"]) {
  test(`an organization proves its domain and its people sign in with its provider, in ${lang}`, async () => {
    const w = words[lang];
    const s = sso[lang];
    const email = `owner-${lang}@acme.example`;
    const owner = await apiUser(app, email, "Olga Ruiz");
    const context = await browser.newContext({ viewport: { width: 360, height: 800 }, locale: more[lang].locale });
    const page = await context.newPage();
    await page.goto(`${app.base}/login?lang=${lang}`);
    await page.getByLabel(w.email).fill(email);
    await page.getByRole("button", { name: w.next }).click();
    await page.getByLabel(w.password).fill(PASSWORD);
    await page.getByRole("button", { name: w.signIn }).click();
    await page.getByRole("link", { name: w.other }).click();
    await page.getByRole("link", { name: new RegExp(w.recoveryCode) }).click();
    await page.getByLabel(w.recoveryCode).fill(owner.codes[0].trim());
    await page.getByRole("button", { name: w.cont }).click();
    await page.getByRole("heading", { name: w.hello("Olga Ruiz") }).waitFor();
    await page.goto(`${app.base}/settings/organization/sso`);
    await page.getByRole("heading", { name: s.title, level: 2 }).waitFor();
    // The organization's provider (the second Umbral) gets the redirect URI the page shows.
    const redirect = (await page.textContent("main")).match(/http:\/\/\S+\/login\/idp\/org-[0-9a-f-]+\/callback/)[0];
    const client = JSON.parse(idp.cli(["client", "create", "--name", `Acme ${lang}`, "--redirect-uri", redirect, "--json"]));
    // A public mail domain is refused on its field, and nothing typed is lost.
    await page.getByLabel(s.issuer).fill(idp.base);
    await page.getByLabel("client_id").fill(client.client_id);
    await page.getByLabel("client_secret").fill(client.client_secret);
    await page.getByLabel(s.domain).fill("gmail.com");
    await page.getByRole("button", { name: s.save }).click();
    assert.equal(await page.getByLabel(s.domain).getAttribute("aria-invalid"), "true");
    assert.equal(await page.getByLabel(s.issuer).inputValue(), idp.base);
    await page.getByLabel("client_secret").fill(client.client_secret);
    await page.getByLabel(s.domain).fill(`acme-${lang.toLowerCase()}.example`);
    await page.getByRole("button", { name: s.save }).click();
    await page.locator("#notice").getByText(s.saved, { exact: true }).waitFor();
    assert.equal(await page.locator("#txt-name").textContent(), `_umbral-challenge.acme-${lang.toLowerCase()}.example`);
    assert.match(await page.locator("#txt-value").textContent(), /^umbral-verification=/);
    await page.getByRole("button", { name: s.verify }).waitFor();
    await shoot(page, `org-sso-${lang}`);
    // The record is created; Verify finds it; sign-on is switched on, the provider's second
    // factor trusted.
    const domain = `acme-${lang.toLowerCase()}.example`;
    records[`_umbral-challenge.${domain}`] = [await page.locator("#txt-value").textContent()];
    await page.getByRole("button", { name: s.verify }).click();
    await page.getByText(s.verified).waitFor();
    await page.getByLabel(s.on).check();
    await page.getByLabel(s.trust).check();
    await page.getByRole("button", { name: s.save }).click();
    await page.locator("#notice").getByText(s.saved, { exact: true }).waitFor();
    await shoot(page, `org-sso-on-${lang}`);
    await context.close();

    // Someone of the domain: the email step goes straight to the provider, then one page,
    // and they are in, a member of the organization.
    const person = `pia@${domain}`;
    const atIdp = await apiUser(idp, person, "Pía Núñez");
    const theirs = await browser.newContext({ viewport: { width: 360, height: 800 }, locale: more[lang].locale });
    const p = await theirs.newPage();
    await p.goto(`${app.base}/login?lang=${lang}`);
    await p.getByLabel(w.email).fill(person);
    await p.getByRole("button", { name: w.next }).click();
    await p.waitForURL(`${idp.base}/login**`);
    await p.getByLabel(w.email).fill(person);
    await p.getByRole("button", { name: w.next }).click();
    await p.getByLabel(w.password).fill(PASSWORD);
    await p.getByRole("button", { name: w.signIn }).click();
    await p.getByRole("link", { name: w.other }).click();
    await p.getByRole("link", { name: new RegExp(w.recoveryCode) }).click();
    await p.getByLabel(w.recoveryCode).fill(atIdp.codes[0].trim());
    await p.getByRole("button", { name: w.cont }).click();
    await p.getByRole("heading", { name: more[lang].finish }).waitFor();
    await p.locator("#phone_country").selectOption("AR");
    await p.getByLabel(w.phone).fill("9 11 2345-6789");
    await p.getByLabel(w.terms).check();
    await p.getByRole("button", { name: w.create }).click();
    await p.getByRole("heading", { name: w.hello("Pía Núñez") }).waitFor();
    await shoot(p, `sso-member-home-${lang}`);
    await theirs.close();
  });
}
