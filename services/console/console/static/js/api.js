// Calls to the services through the console's own origin (/api/<service>/v1/…), with the token.

import { token } from "./session.js";

/** The service answered no: `message` is its own text, `code` its refusal code. */
export class Refused extends Error {
  constructor(status, code, message, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }

  /** Nothing was done and the same request can be sent again later. */
  get transient() {
    return this.status === 502 || this.status === 503 || this.status === 504;
  }
}

/** No answer at all: the device is offline or the console cannot be reached. */
export class Unreachable extends Error {
  get transient() {
    return true;
  }
}

export function apiUrl(service, path, query = {}) {
  const url = new URL(`/api/${service}/v1/${path}`, location.origin);
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "" && value !== false) url.searchParams.set(name, value);
  }
  return url;
}

export async function call(service, path, { method = "GET", body, query, raw = false } = {}) {
  const headers = { Accept: "application/json" };
  const current = token();
  if (current) headers.Authorization = `Bearer ${current}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(apiUrl(service, path, query), {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new Unreachable("No connection: the device is offline or the console does not answer.");
  }
  if (response.ok) return raw ? response : response.json();
  let answer = {};
  try {
    answer = await response.json();
  } catch {
    // not JSON: the status line has to do
  }
  throw new Refused(response.status, answer.code ?? null, describe(answer, response),
    response.headers.get("Retry-After"));
}

function describe(answer, response) {
  if (typeof answer.detail === "string") return answer.detail;
  if (Array.isArray(answer.detail)) {
    // FastAPI's validation errors: where (without "body") and what is wrong.
    return answer.detail.map((error) => {
      const where = (error.loc ?? []).filter((part) => part !== "body").join(" → ");
      return where ? `${where}: ${error.msg}` : error.msg;
    }).join("; ");
  }
  return `The service answered ${response.status} ${response.statusText}.`;
}
