// Box office (venue staff): type or scan a card number, pick the offer, tickets, record. Today's
// visits with same-day cancel. Without a connection, visits wait on this device with their
// idempotency keys and the moment they happened, and are sent when the connection returns.

import { call } from "../api.js";
import { field, h, heading, messages, section, select, table } from "../dom.js";
import { formatDate, pick } from "../i18n.js";
import { enqueue, flush, queued } from "../offline-queue.js";

const RETRY_SECONDS = 15;

export async function render(main, { user }) {
  const venues = await Promise.all(user.venues.map(async (id) => {
    try {
      return await call("venues", `venues/${id}`);
    } catch {
      return { venue_id: id, name: { fi: id } };
    }
  }));
  const venueSelect = select(venues.map((venue) => [venue.venue_id, pick(venue.name)]), { name: "venue" });
  const offerSelect = h("select", { name: "offer", required: true });
  const cardNumber = h("input", { type: "text", name: "card_number", inputmode: "numeric", autocomplete: "off",
    required: true, maxlength: "20", pattern: "[0-9 \\-]{12,20}" });
  const children = h("input", { type: "number", name: "children", min: "0", max: "20", value: "0" });
  const escort = h("input", { type: "checkbox", name: "escort" });
  const answer = messages();
  const waiting = h("p", { class: "queue", role: "status" });
  const sentLater = h("ul", { class: "sent-later", "aria-label": "Visits sent after the connection returned" });
  const todayBox = h("div");
  let offers = new Map();

  async function loadOffers() {
    try {
      const page = await call("venues", "catalogue/offers", { query: { venue_id: venueSelect.value, limit: 100, sort: "soonest" } });
      const chosen = offerSelect.value;
      offers = new Map(page.offers.map((offer) => [offer.offer_id, offer]));
      offerSelect.replaceChildren(...page.offers.map((offer) => h("option", { value: offer.offer_id },
        `${pick(offer.title)}${offer.places_left === null ? "" : ` (${offer.places_left} left)`}`)));
      if (offers.has(chosen)) offerSelect.value = chosen; // places left changed, not the choice
    } catch (error) {
      answer.refusal(error);
    }
  }

  function showQueue() {
    const count = queued().length;
    waiting.textContent = count ? `${count} visit(s) saved on this device, waiting for the connection.` : "";
    sendNow.hidden = !count;
  }

  function recorded(result) {
    const parts = [`Recorded: ${result.visit.tickets} ticket(s) for card ending ${result.visit.card_number.slice(-4)}.`];
    if (result.places_left !== null) parts.push(`${result.places_left} place(s) left.`);
    if (result.reward) parts.push(`Reward earned: ${result.reward.description ?? "see the programme"}!`);
    else if (result.reward_progress) parts.push(`${result.reward_progress.visits_to_next_reward} visit(s) to the next reward.`);
    return parts.join(" ");
  }

  async function sendQueued() {
    await flush((visit) => call("usage", "visits", { method: "POST", body: visit }), (entry, result, error) => {
      const what = `${formatDate(entry.visit.occurred_at)}, card ending ${entry.visit.card_number.slice(-4)}: `;
      sentLater.append(h("li", { class: error ? "refusal" : "ok" },
        what + (error ? `NOT recorded — ${error.message}` : recorded(result)), error?.code ? h("span", { class: "code" }, ` (${error.code})`) : null));
    });
    showQueue();
    await showToday();
  }

  // The venue and the offer stay chosen for the next card: only the visit's own fields clear.
  function clearVisit() {
    cardNumber.value = "";
    children.value = "0";
    escort.checked = false;
  }

  async function record(event) {
    event.preventDefault();
    const tickets = 1 + Number(children.value || 0) + (escort.checked ? 1 : 0);
    const visit = { card_number: cardNumber.value, offer_id: offerSelect.value, tickets, escort: escort.checked,
      idempotency_key: crypto.randomUUID() };
    try {
      const result = await call("usage", "visits", { method: "POST", body: visit });
      answer.show("ok", recorded(result));
      clearVisit();
      await Promise.all([showToday(), loadOffers()]);
    } catch (error) {
      if (!error.transient) {
        answer.refusal(error);
        return;
      }
      // Nothing was recorded: keep it, with the moment it happened, to send when online again.
      enqueue({ visit: { ...visit, occurred_at: new Date().toISOString() } });
      answer.show("info", "No connection: the visit is saved on this device and will be sent when the connection returns.");
      clearVisit();
      showQueue();
    }
    cardNumber.focus();
  }

  async function showToday() {
    try {
      const visits = await call("usage", `venues/${venueSelect.value}/visits`);
      todayBox.replaceChildren(table(`Visits today (${visits.length})`, ["Time", "Card", "Offer", "Tickets", "Status", ""],
        visits.map((visit) => [
          formatDate(visit.occurred_at), `…${visit.card_number_end}`,
          pick(offers.get(visit.offer_id)?.title) || visit.offer_id, String(visit.tickets),
          visit.cancelled_at ? "cancelled" : "recorded",
          visit.cancelled_at ? "" : h("button", { type: "button", onclick: () => cancel(visit) },
            `Cancel visit of card …${visit.card_number_end}`),
        ])));
    } catch (error) {
      const box = messages();
      box.refusal(error);
      todayBox.replaceChildren(box);
    }
  }

  async function cancel(visit) {
    try {
      await call("usage", `visits/${visit.visit_id}/cancellation`, { method: "POST" });
      answer.show("ok", `Cancelled the visit of card …${visit.card_number_end}; its places are free again.`);
      await Promise.all([showToday(), loadOffers()]);
    } catch (error) {
      answer.refusal(error);
    }
  }

  const sendNow = h("button", { type: "button", hidden: true, onclick: sendQueued }, "Send saved visits now");
  const form = h("form", { class: "record", onsubmit: record },
    field("Venue", venueSelect), field("Offer", offerSelect),
    field("Card number", cardNumber, "12 digits as printed; a scanner types them in here."),
    field("Children under 16", children), field("Escort (free, where the card allows)", escort),
    h("button", { type: "submit", class: "primary big" }, "Record visit"));
  venueSelect.addEventListener("change", async () => { await loadOffers(); await showToday(); });
  main.append(heading("Box office"), form, answer, waiting, sendNow, sentLater, section("Today", todayBox));
  await loadOffers();
  showQueue();
  await showToday();
  const retry = () => {
    if (!form.isConnected) {
      // The page was left: stop trying from here (the next box office page takes over).
      clearInterval(timer);
      window.removeEventListener("online", retry);
    } else if (queued().length && navigator.onLine) {
      sendQueued();
    }
  };
  const timer = setInterval(retry, RETRY_SECONDS * 1000);
  window.addEventListener("online", retry);
  if (queued().length && navigator.onLine) sendQueued(); // left from before a reload
}
