// A small application of "the vendor", signing people in through Umbral with openid-client
// (a relying party nobody here wrote): the code flow with PKCE, userinfo on every page view
// (so that it sees a sign-out made elsewhere), refresh and revocation, RP-initiated logout, and
// a back-channel logout endpoint that verifies Umbral's logout token with jose.
import { createServer } from "node:http";
import * as client from "openid-client";
import { createRemoteJWKSet, jwtVerify } from "jose";

/** Starts the application on `port`, registered in Umbral as `clientId`/`secret`. */
export async function startDemoApp(name, port, issuer, clientId, secret) {
  const base = `http://127.0.0.1:${port}`;
  const config = await client.discovery(new URL(issuer), clientId, secret, undefined, {
    execute: [client.allowInsecureRequests],
  });
  let pending = null; // { verifier, state, nonce }
  let signedIn = null; // { tokens, claims }
  let toldBy = null; // what the last verified logout token said
  const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri));
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
      if (url.pathname === "/backchannel" && req.method === "POST") {
        // Back-Channel Logout 1.0, 2.6: a signed logout token for this application, naming the
        // session its ID token named; the session here ends.
        let body = "";
        for await (const chunk of req) body += chunk;
        const token = new URLSearchParams(body).get("logout_token");
        const { payload, protectedHeader } = await jwtVerify(token, jwks, {
          issuer: config.serverMetadata().issuer,
          audience: clientId,
          typ: "logout+jwt",
        });
        const event = payload.events?.["http://schemas.openid.net/event/backchannel-logout"];
        if (!event || payload.nonce !== undefined || !payload.sid) {
          res.writeHead(400);
          return res.end();
        }
        if (signedIn && signedIn.claims.sid === payload.sid) signedIn = null;
        toldBy = `logout token for sid ${payload.sid} (${protectedHeader.alg})`;
        res.writeHead(200, { "cache-control": "no-store" });
        return res.end();
      }
      if (url.pathname === "/refresh" && signedIn) {
        // A new access token and refresh token; the spent refresh token is revoked by Umbral.
        const old = signedIn.tokens.refresh_token;
        const tokens = await client.refreshTokenGrant(config, old);
        signedIn = { tokens, claims: tokens.claims() ?? signedIn.claims };
        const rotated = tokens.refresh_token && tokens.refresh_token !== old;
        return page(res, `<p id="status">Refreshed ${name}: ${rotated ? "rotated" : "not rotated"}</p>`);
      }
      if (url.pathname === "/revoke" && signedIn) {
        // RFC 7009: the refresh token stops working.
        await client.tokenRevocation(config, signedIn.tokens.refresh_token, { token_type_hint: "refresh_token" });
        let refused = "no";
        try {
          await client.refreshTokenGrant(config, signedIn.tokens.refresh_token);
        } catch (e) {
          refused = e.error ?? String(e);
        }
        return page(res, `<p id="status">Revoked in ${name}: refresh refused: ${refused}</p>`);
      }
      if (url.pathname === "/told") {
        return page(res, `<p id="status">${toldBy ?? "nothing"}</p>`);
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
