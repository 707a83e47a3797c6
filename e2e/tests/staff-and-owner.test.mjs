// Issue 4's journeys in the browser: an invitation sets the first password and leads to two-factor
// set-up; the owner hands the owner role over with a fresh code; staff approve a lost-factor reset
// in the console and the user's next sign-in enrolls again.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { startUmbral, launch, words, PASSWORD, shots, shoot, totpNow, apiUser, apiAcceptInvitation, apiEnrollApp } from "./helpers.mjs";

let umbral, browser;
before(async () => {
  umbral = await startUmbral();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await umbral?.stop();
});

const more = {
  es: {
    invite: "Elige tu contraseña", saveContinue: "Guardar y continuar", newPassword: "Nueva contraseña",
    org: "Organización", newOwner: "Nueva persona titular", confirmWith: "Confirmar con", transfer: "Transferir",
    transferred: "Se transfirió el rol de titular.", lost: "No puedo usar ninguno de mis métodos",
    requestReset: "Solicitar el restablecimiento", confirmRequest: "Confirmar la solicitud",
    waiting: "Tu solicitud está confirmada y espera a nuestro equipo.", resets: "Restablecimientos de métodos",
    approve: "Aprobar", approved: "Aprobado:", invitations: "Una organización te invitó a unirte.",
    joinTitle: "Invitaciones", join: /^Unirme a /, orgLine: "Organización:",
    saveChanges: "Guardar cambios", changed: "La aplicación se modificó.",
  },
  "pt-BR": {
    invite: "Defina sua senha", saveContinue: "Salvar e continuar", newPassword: "Nova senha",
    org: "Organização", newOwner: "Nova pessoa titular", confirmWith: "Confirmar com", transfer: "Transferir",
    transferred: "A função de titular foi transferida.", lost: "Não consigo usar nenhum dos meus métodos",
    requestReset: "Solicitar a redefinição", confirmRequest: "Confirmar a solicitação",
    waiting: "Sua solicitação foi confirmada e aguarda nossa equipe.", resets: "Redefinições de métodos",
    approve: "Aprovar", approved: "Aprovado:", invitations: "Uma organização convidou você para participar.",
    joinTitle: "Convites", join: /^Participar de /, orgLine: "Organização:",
    saveChanges: "Salvar alterações", changed: "O aplicativo foi alterado.",
  },
};

async function signIn(page, lang, email, password = PASSWORD) {
  const w = words[lang];
  await page.goto(`${umbral.base}/login?lang=${lang}`);
  await page.getByLabel(w.email).fill(email);
  await page.getByRole("button", { name: w.next }).click();
  await page.getByLabel(w.password).fill(password);
  await page.getByRole("button", { name: w.signIn }).click();
}

for (const lang of ["es", "pt-BR"]) {
  const w = { ...words[lang], ...more[lang] };
  const tag = lang.toLowerCase();

  test(`an invitation sets the first password, then two-factor set-up (${lang})`, async () => {
    const email = `invited-${tag}@example.com`;
    umbral.cli(["user", "create", "--email", email, "--name", "Inés Díaz", "--locale", lang]);
    const link = await umbral.linkFor(email, "/invite?token=");
    // A browser set to the user's language.
    const page = await browser.newPage({ viewport: { width: 360, height: 800 }, locale: lang });
    await page.goto(link);
    await page.getByRole("heading", { name: w.invite }).waitFor();
    await page.getByLabel(w.newPassword).fill(PASSWORD);
    await page.getByRole("button", { name: w.saveContinue }).click();
    await page.getByRole("heading", { name: w.twofa }).waitFor();
    await page.getByRole("link", { name: w.app }).click();
    const secret = (await page.locator("#secret").textContent()).replace(/\s+/g, "");
    await page.getByLabel(w.code).fill(totpNow(secret));
    await page.getByRole("button", { name: w.cont }).click();
    await page.getByRole("heading", { name: w.recovery }).waitFor();
    await page.getByRole("button", { name: w.saved }).click();
    await page.getByRole("heading", { name: w.hello("Inés Díaz") }).waitFor();
    await page.screenshot({ path: join(shots, `invited-home-${lang}.png`), fullPage: true });
    await page.close();
  });

  test(`the owner hands the owner role over with a fresh code (${lang})`, async () => {
    const ownerEmail = `owner-${tag}@example.com`;
    const memberEmail = `member-${tag}@example.com`;
    const owner = await apiUser(umbral, ownerEmail, "Olga Dueña");
    const r = await fetch(`${umbral.base}/api/v1/organization/members`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${owner.token}` },
      body: JSON.stringify({ email: memberEmail, name: "Mario Miembro", role: "member" }),
    });
    assert.equal(r.status, 201);
    await apiEnrollApp(umbral, await apiAcceptInvitation(umbral, memberEmail));

    const page = await browser.newPage({ viewport: { width: 800, height: 900 } });
    await signIn(page, lang, ownerEmail);
    await page.waitForURL("**/login/second-factor");
    await page.getByRole("link", { name: w.other }).click();
    await page.getByRole("link", { name: new RegExp(w.recoveryCode) }).click();
    await page.getByLabel(w.recoveryCode).fill(owner.codes[0]);
    await page.getByRole("button", { name: w.cont }).click();
    await page.getByRole("heading", { name: w.hello("Olga Dueña") }).waitFor();
    await page.goto(`${umbral.base}/settings/organization`);
    await page.getByLabel(w.newOwner).selectOption({ label: `Mario Miembro (${memberEmail})` });
    await page.getByLabel(w.confirmWith).selectOption("recovery_code");
    await page.getByLabel(w.code).fill(owner.codes[1]);
    await page.getByRole("button", { name: w.transfer }).click();
    await page.getByText(w.transferred).waitFor();
    await shoot(page, `owner-transferred-${lang}`);
    await page.close();
  });

  test(`someone with an account, invited by an organization, joins it from the invitation (${lang})`, async () => {
    const ownerEmail = `inviter-${tag}@example.com`;
    const email = `has-account-${tag}@example.com`;
    const owner = await apiUser(umbral, ownerEmail, "Irene Invita");
    // Signed up alone and stopped before the company data.
    const ana = await apiUser(umbral, email, "Ana Cuenta", { onboard: false });
    const r = await fetch(`${umbral.base}/api/v1/organization/members`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${owner.token}` },
      body: JSON.stringify({ email, name: "Ana", role: "admin" }),
    });
    assert.equal(r.status, 201);

    const page = await browser.newPage({ viewport: { width: 360, height: 800 } });
    await signIn(page, lang, email);
    await page.waitForURL("**/login/second-factor");
    // (The authenticator's current code was spent by the enrollment a moment ago.)
    await page.getByRole("link", { name: w.other }).click();
    await page.getByRole("link", { name: new RegExp(w.recoveryCode) }).click();
    await page.getByLabel(w.recoveryCode).fill(ana.codes[0]);
    await page.getByRole("button", { name: w.cont }).click();
    // At her own company step, the invitation is pointed out.
    await page.getByRole("link", { name: w.invitations }).click();
    await page.getByRole("heading", { name: w.joinTitle }).waitFor();
    await shoot(page, `join-${lang}`);
    await page.getByRole("button", { name: w.join }).click();
    await page.getByRole("heading", { name: w.hello("Ana Cuenta") }).waitFor();
    await page.getByText(w.orgLine).waitFor();
    await shoot(page, `joined-home-${lang}`);
    await page.close();
  });

  test(`staff approve a lost-factor reset and the user enrolls again (${lang})`, async () => {
    const userEmail = `lost-${tag}@example.com`;
    const staffEmail = `agent-${tag}@example.com`;
    await apiUser(umbral, userEmail, "Luis Perdido");
    umbral.cli(["staff", "create", "--email", staffEmail, "--name", "Sofía Soporte", "--locale", lang]);
    const staff = await apiEnrollApp(umbral, await apiAcceptInvitation(umbral, staffEmail));

    // The user lost everything and asks.
    const user = await browser.newContext();
    const u = await user.newPage();
    await signIn(u, lang, userEmail);
    await u.waitForURL("**/login/second-factor");
    await u.getByRole("link", { name: w.lost }).click();
    await u.getByRole("button", { name: w.requestReset }).click();
    const link = await umbral.linkFor(userEmail, "/factor-reset/confirm?token=");
    await u.goto(link);
    await u.getByRole("button", { name: w.confirmRequest }).click();
    await u.getByText(w.waiting).waitFor();

    // Staff approve it in the console.
    const s = await (await browser.newContext()).newPage();
    await signIn(s, lang, staffEmail);
    await s.waitForURL("**/login/second-factor");
    await new Promise((r) => setTimeout(r, 31_000 - (Date.now() % 30_000))); // a fresh 30-second step
    await s.getByLabel(w.code).fill(totpNow(staff.secret));
    await s.getByRole("button", { name: w.cont }).click();
    await s.goto(`${umbral.base}/staff/factor-resets`);
    await s.getByRole("heading", { name: /./ }).first().waitFor();
    const row = s.locator("#resets li", { hasText: userEmail });
    await row.getByRole("button", { name: w.approve }).click();
    await s.getByText(w.approved).waitFor();
    await s.screenshot({ path: join(shots, `staff-approved-${lang}.png`), fullPage: true });

    // An application's own page in the console: its fields, changed and saved.
    umbral.cli(["client", "create", "--name", `Billing ${tag}`, "--redirect-uri", "https://billing.example.com/cb"]);
    await s.goto(`${umbral.base}/staff/clients`);
    await s.getByRole("link", { name: `Billing ${tag}` }).click();
    await s.getByRole("button", { name: w.saveChanges }).waitFor();
    await shoot(s, `staff-client-${lang}`);
    await s.locator("#id_token_signed_response_alg").selectOption("ES256");
    await s.getByRole("button", { name: w.saveChanges }).click();
    await s.getByText(w.changed).waitFor();
    // The list, and the new-application form with its optional keys (private_key_jwt).
    await s.locator("#client-keys").waitFor();
    await shoot(s, `staff-clients-${lang}`);
    // The sign-in providers: none yet, and the form to add one.
    await s.goto(`${umbral.base}/staff/identity-providers`);
    await s.locator("#idps").waitFor();
    await shoot(s, `staff-identity-providers-${lang}`);

    // The user's next sign-in goes to set-up.
    await signIn(u, lang, userEmail);
    await u.getByRole("heading", { name: w.twofa }).waitFor();
    await user.close();
  });
}
