// Coordination (a region's coordinator): programmes, distributors, venues and offers.

import { call } from "../api.js";
import { field, h, heading, messages, section, select, table, words } from "../dom.js";
import { formatDate, pick } from "../i18n.js";

const list = (text) => text.split(/[,\n]/).map((part) => part.trim()).filter(Boolean);
const localized = (fi, sv, en) => Object.fromEntries(
  [["fi", fi.value], ["sv", sv.value], ["en", en.value]].filter(([, text]) => text.trim()));

function languageInputs(prefix) {
  return ["fi", "sv", "en"].map((code) => h("input", { type: "text", name: `${prefix}_${code}` }));
}

function form(onSubmit, answer, ...children) {
  const element = h("form", {
    onsubmit: async (event) => {
      event.preventDefault();
      try {
        answer.show("ok", await onSubmit());
        element.reset();
      } catch (error) {
        answer.refusal(error);
      }
    },
  }, ...children);
  return element;
}

export async function render(main, { config, user }) {
  const region = user.region ?? "";
  const programmes = await call("issuance", "programmes").catch(() => []);
  const venues = new Map();
  const offers = await call("venues", "catalogue/offers", { query: { region, limit: 100 } }).then((page) => page.offers).catch(() => []);
  for (const offer of offers) venues.set(offer.venue.venue_id, offer.venue);
  const vocabulary = config.vocabulary;
  main.append(heading(`Coordination${region ? ` — ${region}` : ""}`),
    programmeSection(programmes, region),
    distributorSection(vocabulary, region),
    venueSection(vocabulary, region, venues),
    offerSection(vocabulary, programmes, venues, offers, region));
}

function programmeSection(programmes, region) {
  const answer = messages();
  const id = h("input", { type: "text", name: "programme_id", required: true, pattern: "[a-z0-9][a-z0-9\\-]{1,62}" });
  const [fi, sv, en] = languageInputs("programme_name");
  const criteria = h("textarea", { name: "criteria", rows: "3", required: true });
  const validity = h("input", { type: "number", name: "validity_months", min: "1", max: "60", value: "12" });
  const children = h("input", { type: "number", name: "children_allowance", min: "0", max: "20", value: "0" });
  const minimumAge = h("input", { type: "number", name: "minimum_age", min: "0", max: "120", value: "0" });
  const maximumAge = h("input", { type: "number", name: "maximum_age", min: "0", max: "120" });
  const yearlyLimit = h("input", { type: "number", name: "yearly_use_limit", min: "1" });
  const escort = h("input", { type: "checkbox", name: "escort_free" });
  const allRegions = h("input", { type: "checkbox", name: "accepted_in_all_regions", checked: true });
  const participating = h("input", { type: "text", name: "participating_regions", value: region });
  const rewardEvery = h("input", { type: "number", name: "reward_every", min: "1" });
  const rewardText = h("input", { type: "text", name: "reward_description" });
  const define = form(async () => {
    const body = {
      programme_id: id.value, name: localized(fi, sv, en), home_region: region || null,
      eligibility_criteria: criteria.value.split("\n").map((c) => c.trim()).filter(Boolean),
      validity_months: Number(validity.value), children_allowance: Number(children.value),
      minimum_age: Number(minimumAge.value), maximum_age: maximumAge.value ? Number(maximumAge.value) : null,
      escort_free: escort.checked, accepted_in_all_regions: allRegions.checked,
      participating_regions: list(participating.value),
      yearly_use_limit: yearlyLimit.value ? Number(yearlyLimit.value) : null,
      reward_rule: rewardEvery.value ? { every_visits: Number(rewardEvery.value), description: rewardText.value } : null,
    };
    const defined = await call("issuance", "programmes", { method: "POST", body });
    return `Programme ${defined.programme_id} defined.`;
  }, answer,
  field("Programme id", id, "Lower-case letters, digits and dashes, e.g. espoo-culture-card."),
  field("Name in Finnish", fi), field("Name in Swedish", sv), field("Name in English", en),
  field("Eligibility criteria", criteria, "One a line; the worker confirms each, word for word."),
  field("Valid for (months)", validity), field("Children under 16 per card", children),
  field("Minimum age", minimumAge), field("Maximum age (empty: no limit)", maximumAge), field("Uses per year (empty: no limit)", yearlyLimit),
  field("Escort goes free", escort), field("Accepted in all participating regions", allRegions),
  field("Participating regions", participating, "Comma-separated region codes."),
  field("Reward every N visits (empty: none)", rewardEvery), field("Reward", rewardText),
  h("button", { type: "submit", class: "primary" }, "Define programme"));
  return section("Programmes",
    table("Programmes", ["Id", "Name", "Valid (months)", "Children", "Regions"],
      programmes.map((p) => [p.programme_id, pick(p.name), String(p.validity_months), String(p.children_allowance),
        p.participating_regions.join(", ")])),
    h("details", {}, h("summary", {}, "Define a programme"), define, answer));
}

function distributorSection(vocabulary, region) {
  const answer = messages();
  const id = h("input", { type: "text", name: "distributor_id", required: true, pattern: "[a-z0-9][a-z0-9\\-]{1,62}" });
  const name = h("input", { type: "text", name: "distributor_name", required: true });
  const kind = select(vocabulary.distributor_kind.map((v) => [v, words(v)]), { name: "kind" });
  const regionInput = h("input", { type: "text", name: "distributor_region", required: true, value: region });
  const register = form(async () => {
    const registered = await call("issuance", "distributors", { method: "POST",
      body: { distributor_id: id.value, name: { fi: name.value }, kind: kind.value, region: regionInput.value } });
    return `Distributor ${registered.distributor_id} registered; its workers can now get tokens for it.`;
  }, answer,
  field("Distributor id", id), field("Organisation's name (never a person's)", name), field("Kind", kind),
  field("Region", regionInput), h("button", { type: "submit", class: "primary" }, "Register distributor"));
  return section("Distributors", register, answer);
}

function venueSection(vocabulary, region, venues) {
  const answer = messages();
  const [fi, sv, en] = languageInputs("venue_name");
  const municipality = h("input", { type: "text", name: "municipality", required: true });
  const kind = select(vocabulary.venue_kind.map((v) => [v, words(v)]), { name: "venue_kind" });
  const street = h("input", { type: "text", name: "street_address" });
  const postal = h("input", { type: "text", name: "venue_postal_code", required: true, pattern: "[0-9]{5}", inputmode: "numeric" });
  const languages = h("input", { type: "text", name: "languages", value: "fi" });
  const accessibility = h("input", { type: "text", name: "accessibility" });
  const known = h("div");
  const closeAnswer = messages();
  const close = async (venue) => {
    if (!window.confirm(`Close ${pick(venue.name)}? Its open offers are withdrawn; this cannot be undone.`)) return;
    try {
      await call("venues", `venues/${venue.venue_id}/close`, { method: "POST" });
      venues.delete(venue.venue_id);
      showVenues();
      document.dispatchEvent(new CustomEvent("venues-changed"));
      closeAnswer.show("ok", `Closed: ${pick(venue.name)}; its open offers were withdrawn.`);
    } catch (error) {
      closeAnswer.refusal(error);
    }
  };
  const showVenues = () => known.replaceChildren(table(`Venues (${venues.size})`, ["Venue", "Municipality", "Kind", "Id", ""],
    [...venues.values()].map((v) => [pick(v.name), v.municipality, words(v.kind), v.venue_id,
      h("button", { type: "button", onclick: () => close(v) }, `Close ${pick(v.name)}`)])));
  showVenues();
  const register = form(async () => {
    const body = { name: localized(fi, sv, en), region, municipality: municipality.value, kind: kind.value,
      postal_code: postal.value, languages: list(languages.value) };
    if (street.value) body.street_address = street.value;
    if (accessibility.value) body.accessibility = { fi: accessibility.value };
    const venue = await call("venues", "venues", { method: "POST", body });
    venues.set(venue.venue_id, { ...body, venue_id: venue.venue_id });
    showVenues();
    document.dispatchEvent(new CustomEvent("venues-changed"));
    return `Venue registered: ${venue.venue_id}. Give its staff a token for this venue.`;
  }, answer,
  field("Name in Finnish", fi), field("Name in Swedish", sv), field("Name in English", en),
  field("Municipality", municipality), field("Kind", kind), field("Street address", street),
  field("Postal code", postal), field("Languages served", languages, "Comma-separated ISO 639-1 codes: fi, sv, en…"),
  field("Accessibility (Finnish)", accessibility), h("button", { type: "submit", class: "primary" }, "Register venue"));
  return section("Venues", h("p", {}, "Venues with open offers in the region, and those registered here."), closeAnswer, known,
    h("details", {}, h("summary", {}, "Register a venue"), register, answer));
}

function offerSection(vocabulary, programmes, venues, offers, region) {
  const answer = messages();
  const venue = h("select", { name: "offer_venue", required: true });
  const fillVenues = () => venue.replaceChildren(...[...venues.values()].map((v) => h("option", { value: v.venue_id }, pick(v.name))));
  fillVenues();
  document.addEventListener("venues-changed", fillVenues);
  const category = select(vocabulary.offer_category.map((v) => [v, words(v)]), { name: "category" });
  const kind = select(vocabulary.offer_kind.map((v) => [v, words(v)]), { name: "offer_kind" });
  const [fi, sv, en] = languageInputs("offer_title");
  const description = h("input", { type: "text", name: "description_fi" });
  const starts = h("input", { type: "datetime-local", name: "starts_at" });
  const ends = h("input", { type: "datetime-local", name: "ends_at" });
  const quota = h("input", { type: "number", name: "quota", min: "1" });
  const perVisit = h("input", { type: "number", name: "max_tickets_per_visit", min: "1", value: "1" });
  const accepted = h("fieldset", {}, h("legend", {}, "Programmes accepted"),
    programmes.map((p) => field(pick(p.name), h("input", { type: "checkbox", name: "accepted_programme", value: p.programme_id }))));
  const regions = h("input", { type: "text", name: "accepted_regions", value: region });
  const publish = form(async () => {
    const body = { category: category.value, kind: kind.value, title: localized(fi, sv, en),
      max_tickets_per_visit: Number(perVisit.value),
      accepted_programmes: [...accepted.querySelectorAll("input:checked")].map((box) => box.value),
      accepted_regions: list(regions.value) };
    if (description.value) body.description = { fi: description.value };
    if (starts.value) body.starts_at = new Date(starts.value).toISOString();
    if (ends.value) body.ends_at = new Date(ends.value).toISOString();
    if (quota.value) body.quota = Number(quota.value);
    const offer = await call("venues", `venues/${venue.value}/offers`, { method: "POST", body });
    return `Offer published: ${pick(offer.title)}. It is in the public service map now.`;
  }, answer,
  field("Venue", venue), field("Category", category), field("Kind", kind),
  field("Title in Finnish", fi), field("Title in Swedish", sv), field("Title in English", en),
  field("Description (Finnish)", description), field("Starts", starts, "Empty: open now."),
  field("Ends", ends, "Empty: open-ended."), field("Places (empty: no limit)", quota),
  field("Tickets a visit at most", perVisit), accepted,
  field("Card home regions accepted", regions, "Comma-separated; empty: the venue's region."),
  h("button", { type: "submit", class: "primary" }, "Publish offer"));
  const withdrawAnswer = messages();
  const current = table(`Open offers (${offers.length})`, ["Offer", "Venue", "When", "Places left", ""],
    offers.map((offer) => [pick(offer.title), pick(offer.venue.name),
      offer.starts_at ? formatDate(offer.starts_at) : "open", offer.places_left === null ? "no limit" : String(offer.places_left),
      h("button", { type: "button", onclick: async (event) => {
        if (!window.confirm(`Withdraw "${pick(offer.title)}"? It leaves the public map; this cannot be undone.`)) return;
        try {
          await call("venues", `offers/${offer.offer_id}/withdraw`, { method: "POST" });
          withdrawAnswer.show("ok", `Withdrawn: ${pick(offer.title)}.`);
          event.target.disabled = true;
        } catch (error) {
          withdrawAnswer.refusal(error);
        }
      } }, `Withdraw ${pick(offer.title)}`)]));
  return section("Offers", withdrawAnswer, current, h("details", {}, h("summary", {}, "Publish an offer"), publish, answer));
}
