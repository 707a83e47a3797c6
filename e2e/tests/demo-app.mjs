// A small application of "the vendor", signing people in through Umbral with openid-client
// (a relying party nobody here wrote): the code flow with PKCE, userinfo on every page view
// (so that it sees a sign-out made elsewhere), and RP-initiated logout.
import { createServer } from "node:http";
import * as client from "openid-client";

/** Starts the application on `port`, registered in Umbral as `clientId`/`secret`. */
export async function startDemoApp(name, port, issuer, clientId, secret) {
  const base = `http://127.0.0.1:${port}`;
  const config = await client.discovery(new URL(issuer), clientId, secret, undefined, {
    execute: [client.allowInsecureRequests],
  });
  let pending = null; // { verifier, state, nonce }
  let signedIn = null; // { tokens, claims }
  const page = (res, body) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><title>${name}</title><h1>${name}</h1>${body}`);
  };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, base);
    try {
      if (url.pathname === "/login") {
        const verifier = client.randomPKCECodeVerifier();
        pending = { verifier, state: client.randomState(), nonce: client.randomNonce() };
        const to = client.buildAuthorizationUrl(config, {
          redirect_uri: `${base}/cb`,
          scope: "openid profile email organization",
          code_challenge: await client.calculatePKCECodeChallenge(verifier),
          code_challenge_method: "S256",
          state: pending.state,
          nonce: pending.nonce,
        });
        res.writeHead(303, { location: to.href });
        return res.end();
      }
      if (url.pathname === "/cb") {
        const tokens = await client.authorizationCodeGrant(config, url, {
          pkceCodeVerifier: pending.verifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
        });
        signedIn = { tokens, claims: tokens.claims() };
        res.writeHead(303, { location: "/" });
        return res.end();
      }
      if (url.pathname === "/logout" && signedIn) {
        const to = client.buildEndSessionUrl(config, {
          id_token_hint: signedIn.tokens.id_token,
          post_logout_redirect_uri: `${base}/bye`,
          state: "bye",
        });
        signedIn = null;
        res.writeHead(303, { location: to.href });
        return res.end();
      }
      if (url.pathname === "/bye") {
        return page(res, `<p id="status">Signed out of ${name} (state ${url.searchParams.get("state")})</p>`);
      }
      if (signedIn) {
        try {
          const info = await client.fetchUserInfo(config, signedIn.tokens.access_token, signedIn.claims.sub);
          return page(res, `<p id="status">Signed in to ${name} as ${info.email}</p>`);
        } catch {
          signedIn = null;
        }
      }
      return page(res, `<p id="status">Not signed in to ${name}</p><a href="/login">Sign in</a>`);
    } catch (e) {
      res.writeHead(500, { "content-type": "text/plain" });
      const r = e.cause instanceof Response ? e.cause : null;
      const detail = r ? ` (${r.status} ${r.url} ${await r.text().catch(() => "")})` : "";
      res.end(`${name} failed: ${e}${detail}`);
    }
  });
  await new Promise((ok) => server.listen(port, "127.0.0.1", ok));
  return { base, stop: () => new Promise((ok) => server.close(ok)) };
}
