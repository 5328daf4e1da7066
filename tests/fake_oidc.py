"""A fake identity provider: an HTTP server speaking OpenID Connect (discovery, the
authorization-code flow, RS256-signed ID tokens, JWKS, userinfo), for driving the app's
real ``st.login`` sign-in in a browser. It signs in whoever ``user`` names, at once."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import RSAKey


@dataclass
class FakeOidc:
    client_id: str = "knowledge-assistant"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    user: dict[str, str] = field(default_factory=dict)  # claims: email, name
    issued: list[dict] = field(default_factory=list)  # the ID tokens' claims, in order

    def __post_init__(self) -> None:
        self._key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
        self._codes: dict[str, dict] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _json(self, payload: dict, status: int = 200) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self._json(fake.discovery())
                elif url.path == "/jwks":
                    self._json({"keys": [fake._key.as_dict(private=False)]})
                elif url.path == "/authorize":
                    code = secrets.token_urlsafe(16)
                    fake._codes[code] = {"nonce": query.get("nonce"), **fake.user}
                    back = {"code": code, "state": query.get("state", "")}
                    self.send_response(302)
                    self.send_header("Location", f"{query['redirect_uri']}?{urlencode(back)}")
                    self.end_headers()
                elif url.path == "/userinfo":
                    self._json({"sub": fake.user["email"], **fake.user})
                else:
                    self._json({"error": "not_found"}, 404)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                grant = fake._codes.pop(form.get("code", ""), None)
                if urlparse(self.path).path != "/token" or grant is None:
                    self._json({"error": "invalid_grant"}, 400)
                    return
                basic = base64.b64encode(f"{fake.client_id}:{fake.client_secret}".encode())
                authorised = self.headers.get("Authorization") == f"Basic {basic.decode()}" or (
                    form.get("client_id") == fake.client_id
                    and form.get("client_secret") == fake.client_secret
                )
                if not authorised:
                    self._json({"error": "invalid_client"}, 401)
                    return
                now = int(time.time())
                claims = {
                    "iss": fake.issuer,
                    "sub": grant["email"],
                    "aud": fake.client_id,
                    "iat": now,
                    "exp": now + 600,
                    "email": grant["email"],
                    "email_verified": True,
                    "name": grant.get("name", ""),
                }
                if grant.get("nonce"):
                    claims["nonce"] = grant["nonce"]
                fake.issued.append(claims)
                token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, fake._key)
                self._json(
                    {
                        "access_token": secrets.token_urlsafe(16),
                        "token_type": "Bearer",
                        "expires_in": 600,
                        "id_token": token,
                    }
                )

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def discovery(self) -> dict:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }

    def secrets_toml(self, app_url: str) -> str:
        return (
            "[auth]\n"
            f'redirect_uri = "{app_url}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_urlsafe(24)}"\n'
            f'client_id = "{self.client_id}"\n'
            f'client_secret = "{self.client_secret}"\n'
            f'server_metadata_url = "{self.issuer}/.well-known/openid-configuration"\n'
        )

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
