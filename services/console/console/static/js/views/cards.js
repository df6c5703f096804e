// Cards (social, health and youth workers; coordinators): issue a card with the holder's
// background only — there is no field for a name or any other personal data — print or show its
// number; look a card up to renew, revoke or replace it; the follow-up list.

import { call } from "../api.js";
import { field, h, heading, messages, section, select, table, words } from "../dom.js";
import { formatDate, pick } from "../i18n.js";

export async function render(main, { config, user }) {
  const vocabulary = config.vocabulary;
  let programmes = [];
  const loadProblem = messages();
  try {
    programmes = await call("issuance", "programmes");
  } catch (error) {
    loadProblem.refusal(error);
  }
  main.append(heading("Cards"), loadProblem);
  if (user.role === "distributor") main.append(issueSection(programmes, vocabulary));
  main.append(cardSection(vocabulary, user), followUpSection(programmes, user));
}

function issueSection(programmes, vocabulary) {
  const programme = select(programmes.map((p) => [p.programme_id, pick(p.name)]), { name: "programme_id", required: true });
  const criteria = h("fieldset", {}, h("legend", {}, "Eligibility confirmed"));
  const showCriteria = () => {
    const chosen = programmes.find((p) => p.programme_id === programme.value);
    criteria.replaceChildren(h("legend", {}, "Eligibility confirmed"),
      ...(chosen?.eligibility_criteria ?? []).map((text) => field(text,
        h("input", { type: "checkbox", name: "criterion", value: text }))));
  };
  programme.addEventListener("change", showCriteria);
  showCriteria();
  const background = {
    age: h("input", { type: "number", name: "age", min: "0", max: "120", required: true }),
    gender: select(vocabulary.gender.map((v) => [v, words(v)]), { name: "gender" }),
    mother_tongue: select(vocabulary.mother_tongue.map((v) => [v, words(v)]), { name: "mother_tongue" }),
    life_situation: select(vocabulary.life_situation.map((v) => [v, words(v)]), { name: "life_situation" }),
    postal_code: h("input", { type: "text", name: "postal_code", inputmode: "numeric", pattern: "[0-9]{5}", required: true }),
    children_under_16: h("input", { type: "number", name: "children_under_16", min: "0", max: "20", value: "0" }),
  };
  const issuedOn = h("input", { type: "date", name: "issued_on" });
  const answer = messages();
  const issuedCard = h("div", { class: "issued-card-slot" });
  const form = h("form", {
    onsubmit: async (event) => {
      event.preventDefault();
      const body = {
        programme_id: programme.value,
        criteria_confirmed: [...criteria.querySelectorAll("input:checked")].map((box) => box.value),
        background: {
          age: Number(background.age.value), gender: background.gender.value,
          mother_tongue: background.mother_tongue.value, life_situation: background.life_situation.value,
          postal_code: background.postal_code.value, children_under_16: Number(background.children_under_16.value || 0),
        },
      };
      if (issuedOn.value) body.issued_on = issuedOn.value;
      try {
        const card = await call("issuance", "cards", { method: "POST", body });
        answer.show("ok", `Card issued: ${printed(card.card_number)}.`);
        issuedCard.replaceChildren(cardToHand(card, programmes));
        const chosen = programme.value;
        form.reset();
        programme.value = chosen; // the next card is often of the same programme
        showCriteria();
      } catch (error) {
        answer.refusal(error);
      }
    },
  },
  field("Programme", programme), criteria,
  h("fieldset", {}, h("legend", {}, "Holder's background (statistics only; no personal data)"),
    field("Age", background.age, "Only the age band is kept."), field("Gender", background.gender),
    field("Mother tongue", background.mother_tongue), field("Life situation", background.life_situation),
    field("Postal code", background.postal_code, "Five digits."), field("Children under 16", background.children_under_16)),
  field("Handed over on paper on", issuedOn, "Only for a card handed over earlier (up to 30 days back); leave empty for today."),
  h("button", { type: "submit", class: "primary" }, "Issue card"));
  return section("Issue a card", form, answer, issuedCard);
}

function printed(number) {
  return number.replace(/(\d{4})(\d{4})(\d{4})/, "$1 $2 $3");
}

function cardToHand(card, programmes) {
  const programme = programmes.find((p) => p.programme_id === card.programme_id);
  return h("div", { class: "card-to-hand" },
    h("article", { class: "printable-card", "aria-label": "The card to hand over" },
      h("p", { class: "card-programme" }, programme ? pick(programme.name) : card.programme_id),
      h("p", { class: "card-number", "data-testid": "card-number" }, printed(card.card_number)),
      h("p", {}, `Valid ${card.valid_from} – ${card.valid_until}`),
      h("p", {}, `Children under 16 may come along: ${card.children_allowance}`)),
    h("button", { type: "button", onclick: () => window.print() }, "Print card"));
}

function cardSection(vocabulary, user) {
  const number = h("input", { type: "text", name: "card_lookup", inputmode: "numeric", autocomplete: "off", required: true });
  const age = h("input", { type: "number", name: "renewal_age", min: "0", max: "120" });
  const reason = select(vocabulary.revocation_reason.map((v) => [v, words(v)]), { name: "reason" });
  const answer = messages();
  const view = h("div");
  const act = async (path, body, done, question) => {
    if (question && !window.confirm(question)) return;
    try {
      const result = await call("issuance", `cards/${encodeURIComponent(number.value)}/${path}`, { method: "POST", body });
      answer.show("ok", done(result));
      await lookUp();
    } catch (error) {
      answer.refusal(error);
    }
  };
  async function lookUp() {
    try {
      const card = await call("issuance", `cards/${encodeURIComponent(number.value)}`);
      view.replaceChildren(h("dl", { class: "card-view" },
        h("dt", {}, "Number"), h("dd", {}, card.printed_number),
        h("dt", {}, "Status"), h("dd", { "data-testid": "card-status" }, card.status),
        h("dt", {}, "Programme"), h("dd", {}, card.programme_id),
        h("dt", {}, "Valid"), h("dd", {}, `${card.valid_from} – ${card.valid_until}`),
        card.revocation ? [h("dt", {}, "Revoked"), h("dd", {}, `${words(card.revocation.reason)}, ${formatDate(card.revocation.revoked_at)}`)] : null));
    } catch (error) {
      view.replaceChildren();
      answer.refusal(error);
    }
  }
  const form = h("form", { onsubmit: async (event) => { event.preventDefault(); answer.clear(); await lookUp(); } },
    field("Card number", number, "As printed; spaces or dashes are fine."),
    h("button", { type: "submit" }, "Look up"));
  const actions = h("div", { class: "actions" },
    field("Holder's age now (programmes with a maximum age)", age),
    h("button", { type: "button", onclick: () => act("renewal", age.value ? { age: Number(age.value) } : undefined,
      (r) => `Renewed: valid until ${r.valid_until}.`) }, "Renew"),
    field("Reason for revoking", reason),
    h("button", { type: "button", onclick: () => act("revocation", { reason: reason.value }, () => "Revoked.",
      `Revoke card ${number.value} (${words(reason.value)})? A revoked card cannot be used or renewed.`) }, "Revoke"),
    user.role === "distributor"
      ? h("button", { type: "button", onclick: () => act("replacement", undefined,
        (r) => `Replaced: the new card number is ${printed(r.card_number)}; the old card is revoked as lost.`,
        `Replace card ${number.value} as lost? It is revoked and a new number is issued.`) }, "Replace lost card")
      : null);
  return section("Renew, revoke or replace", form, view, actions, answer);
}

function followUpSection(programmes, user) {
  const status = select([["", "any"], ["active", "active"], ["expired", "expired"], ["revoked", "revoked"]], { name: "status" });
  const programme = select([["", "any"], ...programmes.map((p) => [p.programme_id, pick(p.name)])], { name: "programme" });
  // Coordinators see the whole region's cards and can narrow them to one organisation.
  const distributor = user.role === "coordinator" ? h("input", { type: "text", name: "distributor_id" }) : null;
  const answer = messages();
  const list = h("div");
  const more = h("button", { type: "button", hidden: true }, "More cards");
  let rows = [];
  let next = null;
  async function load(append) {
    try {
      const page = await call("issuance", "cards", { query: { status: status.value, programme_id: programme.value,
        distributor_id: distributor?.value, limit: 50, after: append ? next : null } });
      rows = append ? [...rows, ...page.cards] : page.cards;
      next = page.next;
      more.hidden = !next;
      list.replaceChildren(table(`Cards (${rows.length}${next ? "+" : ""})`, ["Number", "Status", "Programme", "Valid until", "Issued by"],
        rows.map((card) => [card.printed_number, card.status, card.programme_id, card.valid_until, card.distributor_id])));
    } catch (error) {
      answer.refusal(error);
    }
  }
  more.addEventListener("click", () => load(true));
  const form = h("form", { class: "inline", onsubmit: (event) => { event.preventDefault(); load(false); } },
    field("Status", status), field("Programme", programme),
    distributor ? field("Distributor id", distributor) : null, h("button", { type: "submit" }, "Show"));
  load(false);
  return section("Follow-up list", form, answer, list, more);
}
