// Starts a real `umbral serve --dev` on a free port with its own SQLite file, and a headless
// Debian Chromium driven by playwright-core (no browser download).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import * as OTPAuth from "otpauth";
import jsQR from "jsqr";
import { PNG } from "pngjs";

const root = resolve(import.meta.dirname, "..", "..");
export const shots = join(root, "e2e", "test-results");

/** A screenshot of the page as it is (`<name>.png` in e2e/test-results); with
 * `UMBRAL_SCREENS=<dir>`, also at 360 and 1280 px wide into that folder (docs/screens), for a
 * reviewer to see the pages without running anything. */
export async function shoot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  const dir = process.env.UMBRAL_SCREENS;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  const size = page.viewportSize();
  for (const width of [360, 1280]) {
    await page.setViewportSize({ width, height: 800 });
    await page.screenshot({ path: join(dir, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize(size);
}

export function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.on("error", fail);
  });
}

/** `port`: a port chosen beforehand (e.g. registered with another server first); `host`: the
 * name the browser uses (`localhost` keeps a second server's cookies apart from the first's,
 * which cookies would share across ports of one host); `env`: more settings. */
export async function startUmbral({ port: chosen, host = "127.0.0.1", env: more = {} } = {}) {
  const bin = process.env.UMBRAL_BIN || join(process.env.CARGO_TARGET_DIR || join(root, "target"), "debug", "umbral");
  const dir = mkdtempSync(join(tmpdir(), "umbral-e2e-"));
  const port = chosen ?? (await freePort());
  const base = `http://${host}:${port}`;
  const env = {
    ...process.env, UMBRAL_LOG_LEVEL: "warn", UMBRAL_PASSWORDS_M_COST_KIB: "4096", UMBRAL_PASSWORDS_T_COST: "1",
    UMBRAL_OUTBOX_POLL_SECONDS: "1", UMBRAL_PUBLIC_URL: base, ...more,
  };
  const child = spawn(bin, ["serve", "--dev", "--listen", `127.0.0.1:${port}`], {
    cwd: dir,
    env,
    stdio: ["ignore", "inherit", "inherit"],
  });
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(`${base}/readyz`);
      if (r.ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    base,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
      rmSync(dir, { recursive: true, force: true });
    },
    /** Runs the umbral command line on this server's database; returns its standard output. */
    cli(args) {
      const r = spawnSync(bin, args, { cwd: dir, env, encoding: "utf8" });
      if (r.status !== 0) throw new Error(`umbral ${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    },
    /** The newest link to `path` emailed to `to`, read from the dev outbox. */
    async linkFor(to, path) {
      for (let i = 0; i < 100; i++) {
        const list = await (await fetch(`${base}/dev/outbox.json`)).json();
        for (const m of list.filter((x) => x.to === to)) {
          const found = m.body.split(/\s+/).find((w) => w.includes(path));
          if (found) return found;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no link to ${path} for ${to}`);
    },
    /** The newest 6-digit code emailed to `to`, read from the dev outbox; with `except`, waits
     * for a newer one than that code. */
    async codeFor(to, except) {
      for (let i = 0; i < 100; i++) {
        const list = await (await fetch(`${base}/dev/outbox.json`)).json();
        const m = list.find((x) => x.to === to);
        const code = m && m.body.split("\n").map((l) => l.trim()).find((l) => /^\d{6}$/.test(l));
        if (code && code !== except) return code;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no code for ${to}`);
    },
  };
}

export async function launch() {
  mkdirSync(shots, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
}

/** Everything a person types to create an account, in the page's language. */
export const words = {
  es: {
    title: "Crea tu cuenta", name: "Nombre", email: "Correo electrónico", phone: "Número de teléfono",
    password: "Contraseña", terms: "Acepto los", create: "Crear cuenta", code: "Código", confirm: "Confirmar",
    hello: (n) => `¡Hola, ${n}!`, signOut: "Cerrar sesión", next: "Siguiente", signIn: "Iniciar sesión",
    elsewhere: "Tu sesión se cerró porque iniciaste sesión en otro dispositivo.",
    shortPassword: "La contraseña debe tener al menos 10 caracteres.",
    twofa: "Autenticación de dos factores", app: "Aplicación de autenticación", cont: "Continuar",
    recovery: "Códigos de recuperación", other: "Probar otro método", byEmail: "Correo electrónico",
    recoveryCode: "Código de recuperación", remember: "Recordar este dispositivo durante 14 días",
    sent: (e) => `Enviamos un código de 6 dígitos a ${e}.`,
    forgot: "¿Olvidaste tu contraseña?", sendLink: "Enviar el enlace", linkSent: "Si existe una cuenta con esta dirección",
    newPassword: "Nueva contraseña", savePassword: "Guardar la nueva contraseña", changed: "Se cambió tu contraseña. Inicia sesión con la nueva.",
    company: "Incluir datos adicionales", country: "País", legalName: "Razón social", employees: "Número de empleados",
    segment: "Segmento", postal: "Código postal", number: "Número", addData: "Añadir datos", checkDigit: "El dígito verificador no coincide",
    payment: "Pago", summary: "Resumen de compra", cardNumber: "Número de tarjeta", cvc: "Código de seguridad (CVC)",
    month: "Mes", year: "Año", pay: "Pagar", declined: "Tu tarjeta fue rechazada", ready: "¡Listo! Tu cuenta está creada.",
    home: "Ir a la página de inicio", firstSteps: "Primeros pasos", skip: "Saltar", street: "Calle", city: "Ciudad", state: "Provincia / estado",
    neighbourhood: "Barrio", saved: "Guardé mis códigos: continuar",
  },
  "pt-BR": {
    title: "Crie sua conta", name: "Nome", email: "E-mail", phone: "Número de telefone",
    password: "Senha", terms: "Aceito os", create: "Criar conta", code: "Código", confirm: "Confirmar",
    hello: (n) => `Olá, ${n}!`, signOut: "Sair", next: "Próximo", signIn: "Entrar",
    elsewhere: "Sua sessão foi encerrada porque você entrou em outro dispositivo.",
    shortPassword: "A senha deve ter pelo menos 10 caracteres.",
    twofa: "Autenticação de dois fatores", app: "Aplicativo autenticador", cont: "Continuar",
    recovery: "Códigos de recuperação", other: "Tentar outro método", byEmail: "E-mail",
    recoveryCode: "Código de recuperação", remember: "Lembrar este dispositivo por 14 dias",
    sent: (e) => `Enviamos um código de 6 dígitos para ${e}.`,
    forgot: "Esqueceu sua senha?", sendLink: "Enviar o link", linkSent: "Se existe uma conta com este endereço",
    newPassword: "Nova senha", savePassword: "Salvar a nova senha", changed: "Sua senha foi trocada. Entre com a nova.",
    company: "Incluir dados adicionais", country: "País", legalName: "Razão social", employees: "Número de funcionários",
    segment: "Segmento", postal: "CEP / código postal", number: "Número", addData: "Adicionar dados", checkDigit: "O dígito verificador não confere",
    payment: "Pagamento", summary: "Resumo da compra", cardNumber: "Número do cartão", cvc: "Código de segurança (CVC)",
    month: "Mês", year: "Ano", pay: "Pagar", declined: "Seu cartão foi recusado", ready: "Sua conta está pronta!",
    home: "Ir para a página inicial", firstSteps: "Primeiros passos", skip: "Pular", street: "Rua", city: "Cidade", state: "Estado",
    neighbourhood: "Bairro", saved: "Salvei meus códigos: continuar",
  },
  en: {
    title: "Create your account", name: "Name", email: "Email", phone: "Phone number",
    password: "Password", terms: "I accept the", create: "Create account", code: "Code", confirm: "Confirm",
    hello: (n) => `Hello, ${n}!`, signOut: "Sign out", next: "Next", signIn: "Sign in",
    elsewhere: "Your session was closed because you signed in on another device.",
    shortPassword: "The password must have at least 10 characters.",
    twofa: "Two-factor authentication", app: "Authenticator app", cont: "Continue",
    recovery: "Recovery codes", other: "Try another method", byEmail: "Email",
    recoveryCode: "Recovery code", remember: "Remember this device for 14 days",
    sent: (e) => `We sent a 6-digit code to ${e}.`,
    forgot: "Forgot your password?", sendLink: "Send the link", linkSent: "If an account exists for this address",
    newPassword: "New password", savePassword: "Save the new password", changed: "Your password was changed. Sign in with the new one.",
    company: "Include additional data", country: "Country", legalName: "Legal name", employees: "Number of employees",
    segment: "Segment", postal: "Postal code", number: "Number", addData: "Add data", checkDigit: "The check digit does not match",
    payment: "Payment", summary: "Purchase summary", cardNumber: "Card number", cvc: "Security code (CVC)",
    month: "Month", year: "Year", pay: "Pay", declined: "Your card was declined", ready: "Your account is ready!",
    home: "Go to the home page", firstSteps: "First steps", skip: "Skip", street: "Street", city: "City", state: "State / province",
    neighbourhood: "Neighbourhood", saved: "I saved my codes: continue",
  },
};

export const PASSWORD = "tigre-azul-lunes-47";

/** The current code of an authenticator app holding `secret` (base32), computed by an
 * implementation independent of Umbral's (the otpauth package). */
export function totpNow(secret) {
  return new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret.replace(/\s+/g, "")) }).generate();
}

/** Reads the QR code shown on the page as a camera would: a screenshot, decoded by jsQR. */
export async function readQr(page) {
  const png = PNG.sync.read(await page.locator("#qr svg").screenshot());
  const found = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  if (!found) throw new Error("no QR code on the page");
  return found.data;
}

/** Sets an authenticator app up for the session `token`; returns { secret, codes, token }:
 * when that completes the sign-in the session's id rotates, and `token` is the new one. */
export async function apiEnrollApp(umbral, token) {
  const post = (path, body) =>
    fetch(`${umbral.base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(body ?? {}),
    });
  const setup = await (await post("/api/v1/factors/totp", {})).json();
  const done = await (await post("/api/v1/factors/totp/confirm", { code: totpNow(setup.secret) })).json();
  if (!done.recovery_codes) throw new Error(`enrollment failed: ${JSON.stringify(done)}`);
  return { secret: setup.secret, codes: done.recovery_codes, token: done.session_token ?? token };
}

/** Accepts the invitation mailed to `email` with the password, through the API; returns the
 * session token. */
export async function apiAcceptInvitation(umbral, email) {
  const link = await umbral.linkFor(email, "/invite?token=");
  const token = new URL(link).searchParams.get("token");
  const r = await fetch(`${umbral.base}/api/v1/invitations/accept`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token, password: PASSWORD, session_token: true }),
  });
  const body = await r.json();
  if (!body.session_token) throw new Error(`accept failed: ${JSON.stringify(body)}`);
  return body.session_token;
}

/** Signs up through the API, confirms the email, sets an authenticator app up and (unless
 * `onboard` is false) gives the company data and pays; returns { token, secret, codes }. */
export async function apiUser(umbral, email, name = "Ana Pérez", { onboard = true } = {}) {
  const session_token = await apiConfirmed(umbral, email, name);
  const { secret, codes, token } = await apiEnrollApp(umbral, session_token);
  if (onboard) await apiOnboard(umbral, token);
  return { token, secret, codes };
}

/** Signs up through the API and confirms the email (no second factor yet); returns the
 * session token. */
export async function apiConfirmed(umbral, email, name = "Ana Pérez") {
  const r = await fetch(`${umbral.base}/api/v1/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, email, phone: "+5491123456789", password: PASSWORD, accept_terms: true, token: true }),
  });
  const { session_token } = await r.json();
  const code = await umbral.codeFor(email);
  await fetch(`${umbral.base}/api/v1/signup/confirm-email`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${session_token}` },
    body: JSON.stringify({ code }),
  });
  return session_token;
}

/** Gives the company data, pays with the sandbox's test card and skips "First steps", through
 * the API, for the session `token` (the owner after 2FA set-up). */
export async function apiOnboard(umbral, token) {
  const post = async (path, body) => {
    const r = await fetch(`${umbral.base}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(body ?? {}),
    });
    if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
  };
  await post("/api/v1/onboarding/company", {
    legal_name: "Acme SA", country: "AR", tax_id: "33-69345023-9", employees: "11-50", segment: "technology",
    postal_code: "C1425DKA", street: "Av. Santa Fe", number: "1234", city: "Buenos Aires", state: "CABA",
  });
  await post("/api/v1/checkout", {
    plan: "starter", period: "month", card: { number: "4242424242424242", exp_month: 12, exp_year: 2040, cvc: "123" },
  });
  await post("/api/v1/onboarding/first-steps/skip");
}

/** Signs up through the API, confirms the email and sets an authenticator app up; returns the
 * recovery codes. */
export async function apiUserWithApp(umbral, email, name = "Ana Pérez") {
  return (await apiUser(umbral, email, name)).codes;
}
