// The signed-in user: a bearer token kept for this browser tab only (sessionStorage), and its
// claims decoded for display. The services verify the token; the console only reads it.

const KEY = "leisure.token";

export function decode(token) {
  const parts = token.trim().split(".");
  if (parts.length !== 3) throw new Error("This is not a token: a token has three parts separated by dots.");
  let claims;
  try {
    const base64 = parts[1].replaceAll("-", "+").replaceAll("_", "/");
    const bytes = Uint8Array.from(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "=")), (c) => c.charCodeAt(0));
    claims = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new Error("The token could not be read: copy the whole token again.");
  }
  if (!claims.role) throw new Error("The token has no role: it is not a Leisure Pass staff token.");
  if (claims.exp && claims.exp * 1000 < Date.now()) throw new Error("The token has expired: get a new one.");
  return claims;
}

export function signIn(token) {
  const claims = decode(token);
  sessionStorage.setItem(KEY, token.trim());
  return claims;
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}

export function token() {
  return sessionStorage.getItem(KEY);
}

/** The claims of a still valid token, or null. */
export function claims() {
  const current = token();
  if (!current) return null;
  try {
    return decode(current);
  } catch {
    signOut();
    return null;
  }
}

export function scope(claims) {
  if (claims.national) return "the whole country";
  if (claims.role === "venue_staff") return `venues ${claims.venues.join(", ")}`;
  if (claims.role === "distributor") return `${claims.organisation}, region ${claims.region}`;
  return `region ${claims.region}`;
}
