"""A relying party written with Authlib, which nobody here wrote: it discovers Umbral, starts
the code flow with PKCE and a nonce, and then exchanges the code, verifies the ID token against
the JWKS (signature, iss, aud, exp, nonce, at_hash) and calls userinfo.

    oidc_rp.py start  ISSUER CLIENT_ID SECRET REDIRECT_URI      -> {"url", "state", "nonce", "verifier"}
    oidc_rp.py finish ISSUER CLIENT_ID SECRET REDIRECT_URI LOCATION STATE NONCE VERIFIER
                                                                -> {"id_token": claims, "userinfo": claims, ...}

    oidc_rp.py keygen ALG                                       -> {"private": JWK, "jwks": public JWKS}
    oidc_rp.py assertion ISSUER CLIENT_ID PRIVATE_JWK           -> {"assertion": JWT}

SECRET is "-" for a public client, and "jwk:" + a private JWK (JSON) for a client that proves
itself with a signed assertion (private_key_jwt, Authlib's own). Prints one JSON object; exits
non-zero on any failure.
"""

import json
import sys

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oauth2.rfc7523 import PrivateKeyJWT, private_key_jwt_sign
from authlib.oidc.core import CodeIDToken
from joserfc import jwk as joserfc_jwk

KEY_TYPES = {"ES256": ("EC", "P-256"), "RS256": ("RSA", 2048), "EdDSA": ("OKP", "Ed25519")}


def signing_alg(key):
    return {"EC": "ES256", "RSA": "RS256", "OKP": "EdDSA"}[key["kty"]]


def session(client_id, secret, redirect_uri, meta, state=None):
    if secret.startswith("jwk:"):
        key = json.loads(secret[4:])
        client = OAuth2Session(
            client_id,
            joserfc_jwk.import_key(key),
            scope="openid profile email organization",
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            state=state,
            token_endpoint_auth_method="private_key_jwt",
            revocation_endpoint_auth_method="private_key_jwt",
        )
        client.register_client_auth_method(PrivateKeyJWT(meta["token_endpoint"], alg=signing_alg(key), headers={"kid": key["kid"]}))
        return client
    return OAuth2Session(
        client_id,
        None if secret == "-" else secret,
        scope="openid profile email organization",
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        state=state,
        token_endpoint_auth_method="none" if secret == "-" else "client_secret_basic",
    )


def main():
    if sys.argv[1] == "keygen":
        kty, crv = KEY_TYPES[sys.argv[2]]
        key = JsonWebKey.generate_key(kty, crv, is_private=True)
        key_dict = key.as_dict(is_private=True, kid="app-key-1")
        public = key.as_dict(is_private=False, kid="app-key-1")
        print(json.dumps({"private": key_dict, "jwks": {"keys": [public]}}))
        return
    mode, issuer, client_id = sys.argv[1:4]
    meta = requests.get(issuer + "/.well-known/openid-configuration", timeout=10).json()
    assert meta["issuer"] == issuer, meta
    if mode == "assertion":
        key = json.loads(sys.argv[4])
        signed = private_key_jwt_sign(joserfc_jwk.import_key(key), client_id, meta["token_endpoint"], alg=signing_alg(key),
                                      header={"kid": key["kid"]})
        print(json.dumps({"assertion": signed.decode() if isinstance(signed, bytes) else signed}))
        return
    secret, redirect_uri = sys.argv[4:6]
    if mode == "start":
        nonce = generate_token(20)
        verifier = generate_token(48)
        client = session(client_id, secret, redirect_uri, meta)
        url, state = client.create_authorization_url(
            meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce
        )
        print(json.dumps({"url": url, "state": state, "nonce": nonce, "verifier": verifier}))
        return
    location, state, nonce, verifier = sys.argv[6:10]
    client = session(client_id, secret, redirect_uri, meta, state=state)
    token = client.fetch_token(
        meta["token_endpoint"], authorization_response=location, code_verifier=verifier
    )
    keys = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=10).json())
    claims = jwt.decode(
        token["id_token"],
        keys,
        claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "value": issuer}, "aud": {"essential": True, "value": client_id}},
        claims_params={"nonce": nonce, "client_id": client_id, "access_token": token["access_token"]},
    )
    # The tests move Umbral's clock forward to make authenticator codes: two minutes of skew.
    claims.validate(leeway=120)
    info = client.get(meta["userinfo_endpoint"])
    info.raise_for_status()
    # Refresh (the token rotates), revoke (RFC 7009), and the revoked token no longer works.
    refreshed = client.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
    rotated = refreshed["refresh_token"] != token["refresh_token"]
    after = client.get(meta["userinfo_endpoint"])
    after.raise_for_status()
    revoked = client.revoke_token(
        meta["revocation_endpoint"], token=refreshed["refresh_token"], token_type_hint="refresh_token"
    )
    try:
        client.refresh_token(meta["token_endpoint"], refresh_token=refreshed["refresh_token"])
        refused = None
    except OAuthError as e:
        refused = e.error
    print(
        json.dumps(
            {
                "id_token": dict(claims),
                "userinfo": info.json(),
                "token_type": token["token_type"],
                "expires_in": token["expires_in"],
                "header": claims.header,
                "rotated": rotated,
                "userinfo_after_refresh": after.json(),
                "revoke_status": revoked.status_code,
                "refresh_after_revoke": refused,
            }
        )
    )


if __name__ == "__main__":
    main()
