// Signing in through the municipality's identity provider: OIDC authorization code with PKCE
// (RFC 7636, S256). The verifier and state wait in sessionStorage for the provider's answer; the
// console passes the code exchange on to the provider, and only the access token comes back.

import { signIn } from "./session.js";

const PENDING = "leisure.oidc";

function randomText(bytes) {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

async function consoleCall(path, options) {
  const response = await fetch(path, options);
  const answer = await response.json();
  if (!response.ok) throw new Error(typeof answer.detail === "string" ? answer.detail : `sign-in failed (${response.status})`);
  return answer;
}

/** Off to the identity provider; it sends the browser back to this page with a code. */
export async function startSignIn() {
  const provider = await consoleCall("/console/oidc/provider");
  const verifier = randomText(48);
  const state = randomText(16);
  const challenge = base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state }));
  const url = new URL(provider.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: "code", client_id: provider.client_id, redirect_uri: `${location.origin}/`, scope: "openid",
    state, code_challenge: challenge, code_challenge_method: "S256",
  }).toString();
  location.assign(url);
}

/** Back from the provider (`?code=…&state=…` or `?error=…`): the claims of the new token. */
export async function finishSignIn(query) {
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? "null");
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, "", `${location.pathname}${location.hash}`);
  if (query.get("error")) throw new Error(`The identity provider did not sign you in: ${query.get("error_description") ?? query.get("error")}.`);
  if (!pending || pending.state !== query.get("state")) {
    throw new Error("This sign-in answer was not started from this page: sign in again.");
  }
  const answer = await consoleCall("/console/oidc/token", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ code: query.get("code"), code_verifier: pending.verifier, redirect_uri: `${location.origin}/` }),
  });
  return signIn(answer.access_token);
}
