// Signing in locally: paste a token that `make run` printed (or `make token` minted). In
// production the identity provider gives the token (see the console README, Signing in).

import { field, h, heading, messages } from "../dom.js";
import { t } from "../i18n.js";
import { startSignIn } from "../oidc.js";
import { claims, scope, signIn } from "../session.js";

let problem = null;

/** A sign-in that failed on the way back from the identity provider, shown on the next render. */
export function showProblem(text) {
  problem = text;
}

export const HOME = { venue_staff: "box-office", distributor: "cards", coordinator: "coordinator", stats_reader: "statistics" };

export async function render(main, { config, needed, rerender }) {
  const box = messages();
  if (problem) {
    box.show("refusal", problem);
    problem = null;
  }
  const input = h("textarea", { rows: "4", autocomplete: "off", spellcheck: "false", required: true });
  const user = claims();
  const form = h("form", {
    onsubmit: (event) => {
      event.preventDefault();
      try {
        const signedIn = signIn(input.value);
        const home = `#/${HOME[signedIn.role] ?? "service-map"}`;
        if (location.hash === home) rerender();
        else location.hash = home; // the hash change renders the page
      } catch (error) {
        box.show("refusal", error.message);
      }
    },
  }, field("Access token", input, "Paste the whole token for your role; it stays in this browser tab only."),
  h("button", { type: "submit", class: "primary" }, t("signIn")));
  main.append(heading(t("signIn")));
  if (config.oidc.enabled) {
    main.append(h("p", {}, h("button", { type: "button", class: "primary", onclick: async () => {
      try {
        await startSignIn();
      } catch (error) {
        box.show("refusal", error.message);
      }
    } }, "Sign in with the identity provider")), h("p", {}, "Or, for local use, paste a token:"));
  }
  if (needed) box.show("info", `This page is for: ${needed.map((role) => role.replace("_", " ")).join(", ")}. Sign in with such a token.`);
  if (user) main.append(h("p", {}, `Signed in as ${user.role.replace("_", " ")} for ${scope(user)}.`));
  main.append(box, form);
}
