// The console's shell: navigation by role, the language, and one view at a time (by URL hash).

import { h } from "./dom.js";
import { language, setLanguage, t } from "./i18n.js";
import { finishSignIn } from "./oidc.js";
import { claims, scope, signOut } from "./session.js";
import * as boxOffice from "./views/box-office.js";
import * as cards from "./views/cards.js";
import * as catalogue from "./views/catalogue.js";
import * as coordinator from "./views/coordinator.js";
import * as signIn from "./views/sign-in.js";
import * as statistics from "./views/statistics.js";

const VIEWS = {
  "service-map": { view: catalogue, label: "serviceMap", roles: null },
  "box-office": { view: boxOffice, label: "boxOffice", roles: ["venue_staff"] },
  cards: { view: cards, label: "cards", roles: ["distributor", "coordinator"] },
  coordinator: { view: coordinator, label: "coordinator", roles: ["coordinator"] },
  statistics: { view: statistics, label: "statistics", roles: ["coordinator", "stats_reader"] },
  "sign-in": { view: signIn, label: "signIn", roles: null },
};

let config = null;
let rendering = 0;
let navigated = false;

async function loadConfig() {
  const response = await fetch("/console/config.json");
  config = await response.json();
}

function current() {
  const name = location.hash.replace(/^#\/?/, "").split("/")[0];
  return name in VIEWS ? name : "service-map";
}

function renderChrome() {
  const user = claims();
  document.documentElement.lang = language();
  document.getElementById("skip-link").textContent = t("skip");
  document.getElementById("language-label").textContent = t("language");
  document.getElementById("language").value = language();
  const active = current();
  const links = Object.entries(VIEWS)
    .filter(([name, { roles }]) => name !== "sign-in" && (roles === null || (user && roles.includes(user.role))))
    .map(([name, { label }]) => h("a", { href: `#/${name}`, "aria-current": name === active ? "page" : false }, t(label)));
  links.push(user
    ? h("button", { type: "button", class: "link", onclick: () => { signOut(); location.hash = "#/sign-in"; render(); } },
      t("signOut"))
    : h("a", { href: "#/sign-in", "aria-current": active === "sign-in" ? "page" : false }, t("signIn")));
  document.getElementById("nav").replaceChildren(h("ul", {}, links.map((link) => h("li", {}, link))));
  document.getElementById("who").textContent = user ? `${user.role.replace("_", " ")} · ${scope(user)}` : "";
}

async function render() {
  const generation = ++rendering;
  renderChrome();
  const main = document.getElementById("main");
  const { view, roles } = VIEWS[current()];
  const user = claims();
  // Built off-page and shown only if no newer navigation started meanwhile.
  const page = h("div", { class: "page" });
  if (roles !== null && !(user && roles.includes(user.role))) {
    await signIn.render(page, { config, user, needed: roles, rerender: render });
  } else {
    await view.render(page, { config, user, rerender: render });
  }
  if (generation !== rendering) return;
  main.replaceChildren(page);
  // After a navigation, screen-reader and keyboard users land on the new page's heading; on the
  // first load the skip link stays the first stop.
  if (navigated) main.querySelector("h1")?.focus();
  navigated = true;
}

function showConnection() {
  document.getElementById("connection").textContent = navigator.onLine ? "" : "Offline: visits are kept on this device.";
}

document.getElementById("language").addEventListener("change", (event) => {
  setLanguage(event.target.value);
  render();
});
window.addEventListener("hashchange", render);
// The hash is the route: the skip link moves the focus without changing it.
document.getElementById("skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  document.getElementById("main").focus();
});
window.addEventListener("online", showConnection);
window.addEventListener("offline", showConnection);

await loadConfig();
showConnection();
const query = new URLSearchParams(location.search);
if (query.has("code") || query.has("error")) {
  // Back from the identity provider: the page to show is set without a hash change (one render).
  try {
    const signedIn = await finishSignIn(query);
    history.replaceState(null, "", `/#/${signIn.HOME[signedIn.role] ?? "service-map"}`);
  } catch (error) {
    history.replaceState(null, "", "/#/sign-in");
    signIn.showProblem(error.message);
  }
}
await render();
document.body.dataset.ready = "true";
