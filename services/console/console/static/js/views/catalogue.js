// The public service map (LiiKu) and info point (Vinkkivarikko): open offers with places left
// and their venues, searchable in Finnish, Swedish and English, without signing in.

import { call } from "../api.js";
import { field, h, heading, messages, select } from "../dom.js";
import { formatDate, pick, t } from "../i18n.js";

const LANGUAGES = [["", null], ["fi", "suomi"], ["sv", "svenska"], ["en", "English"], ["se", "sámegiella"],
  ["ru", "русский"], ["et", "eesti"], ["ar", "العربية"], ["so", "Soomaali"]];

export async function render(main, { config }) {
  const words = config.vocabulary;
  const controls = {
    q: h("input", { type: "search", name: "q", maxlength: "200" }),
    category: select([["", t("any")], ...words.offer_category.map((c) => [c, t(c)])], { name: "category" }),
    kind: select([["", t("any")], ...words.offer_kind.map((k) => [k, t(k)])], { name: "kind" }),
    municipality: h("input", { type: "text", name: "municipality", autocomplete: "address-level2" }),
    language: select(LANGUAGES.map(([code, name]) => [code, name ?? t("any")]), { name: "language" }),
    date_from: h("input", { type: "date", name: "date_from" }),
    date_to: h("input", { type: "date", name: "date_to" }),
    places_left: h("input", { type: "checkbox", name: "places_left" }),
    sort: select([["newest", t("newest")], ["soonest", t("soonest")]], { name: "sort" }),
  };
  const status = messages();
  const results = h("ol", { class: "offers", "aria-label": t("results") });
  const more = h("button", { type: "button", hidden: true }, t("more"));
  let cursor = null;

  async function search(append) {
    const query = Object.fromEntries(Object.entries(controls).map(([name, control]) =>
      [name, control.type === "checkbox" ? control.checked : control.value]));
    try {
      const page = await call("venues", "catalogue/offers", { query: { ...query, limit: 20, cursor: append ? cursor : null } });
      if (!append) results.replaceChildren();
      results.append(...page.offers.map(offerItem));
      cursor = page.next_cursor;
      more.hidden = !cursor;
      const shown = results.children.length;
      status.show("info", shown ? t("found", shown) : t("noResults"));
    } catch (error) {
      status.refusal(error);
    }
  }

  more.addEventListener("click", () => search(true));
  const form = h("form", { class: "search", role: "search", onsubmit: (event) => { event.preventDefault(); search(false); } },
    field(t("searchWords"), controls.q), field(t("category"), controls.category), field(t("kind"), controls.kind),
    field(t("municipality"), controls.municipality), field(t("venueLanguage"), controls.language),
    field(t("dateFrom"), controls.date_from), field(t("dateTo"), controls.date_to),
    field(t("sort"), controls.sort), field(t("placesLeftOnly"), controls.places_left),
    h("button", { type: "submit", class: "primary" }, t("search")));
  main.append(heading(t("mapTitle")), h("p", {}, t("mapIntro")), form, status, results, more);
  await search(false);
}

function places(offer) {
  if (offer.places_left === null) return t("unlimited");
  return offer.places_left > 0 ? t("placesLeft", offer.places_left) : t("noPlacesLeft");
}

function when(offer) {
  if (offer.starts_at && offer.ends_at) return `${formatDate(offer.starts_at)} – ${formatDate(offer.ends_at)}`;
  if (offer.starts_at) return `${t("from")} ${formatDate(offer.starts_at)}`;
  return t("openNow");
}

function offerItem(offer) {
  const details = h("div", { class: "venue-details", hidden: true });
  const toggle = h("button", { type: "button", "aria-expanded": "false" }, t("venueDetails"));
  toggle.addEventListener("click", async () => {
    const opening = details.hidden;
    if (opening && !details.childElementCount) details.append(await venueDetails(offer.venue.venue_id));
    details.hidden = !opening;
    toggle.setAttribute("aria-expanded", String(opening));
    toggle.textContent = opening ? t("hideDetails") : t("venueDetails");
  });
  const full = offer.places_left === 0;
  return h("li", { class: "offer" },
    h("h2", {}, pick(offer.title)),
    h("p", { class: "meta" }, `${t(offer.category)} · ${t(offer.kind)} · ${pick(offer.venue.name)}, ${offer.venue.municipality}`),
    offer.description ? h("p", {}, pick(offer.description)) : null,
    h("p", {}, when(offer)),
    h("p", { class: full ? "places full" : "places" }, places(offer), " · ", t("ticketsPerVisit", offer.max_tickets_per_visit)),
    h("p", { class: "meta" }, `${t("acceptedCards")}: ${offer.accepted_programmes.join(", ")}`),
    toggle, details);
}

async function venueDetails(venueId) {
  try {
    const venue = await call("venues", `venues/${venueId}`);
    return h("dl", {},
      h("dt", {}, t("address")), h("dd", {}, [venue.street_address, `${venue.postal_code} ${venue.municipality}`].filter(Boolean).join(", ")),
      h("dt", {}, t("languages")), h("dd", {}, venue.languages.join(", ")),
      venue.accessibility ? [h("dt", {}, t("accessibility")), h("dd", {}, pick(venue.accessibility))] : null);
  } catch (error) {
    const box = messages();
    box.refusal(error);
    return box;
  }
}
