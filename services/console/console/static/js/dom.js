// Small DOM helpers: elements from data, labelled fields, refusals shown as the API wrote them.

const PROPERTIES = new Set(["value", "checked", "disabled", "required", "selected", "multiple", "hidden"]);

export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  const late = {};
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "value" && tag !== "select") element.setAttribute("value", value); // a form reset restores it
    else if (PROPERTIES.has(name)) late[name] = value;
    else if (name === "class") element.className = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  element.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  Object.assign(element, late); // after the options exist, so a select's value sticks
  return element;
}

let fields = 0;

/** A control with its visible label (and hint, read out after it). */
export function field(label, control, hint) {
  if (!control.id) control.id = `field-${++fields}`;
  const wrapper = h("div", { class: control.type === "checkbox" ? "field check" : "field" });
  const labelElement = h("label", { for: control.id }, label);
  if (control.type === "checkbox") wrapper.append(control, labelElement);
  else wrapper.append(labelElement, control);
  if (hint) {
    const hintId = `${control.id}-hint`;
    control.setAttribute("aria-describedby", hintId);
    wrapper.append(h("small", { id: hintId, class: "hint" }, hint));
  }
  return wrapper;
}

export function select(options, props = {}) {
  return h("select", props, options.map(([value, text]) => h("option", { value }, text ?? value)));
}

export function words(value) {
  return String(value).replaceAll("_", " ");
}

/** A message region: `show(kind, text)` with kind ok | refusal | info; refusals are alerts. */
export function messages() {
  const box = h("div", { class: "messages", "aria-live": "polite" });
  box.show = (kind, text, code) => {
    box.replaceChildren(h("p", { class: `message ${kind}`, role: kind === "refusal" ? "alert" : "status" },
      text, code ? h("span", { class: "code" }, ` (${code})`) : null));
  };
  box.refusal = (error) => box.show("refusal", error.message, error.code);
  box.clear = () => box.replaceChildren();
  return box;
}

export function table(caption, headings, rows) {
  return h("table", {},
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, headings.map((text) => h("th", { scope: "col" }, text)))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((cell) => h("td", {}, cell))))));
}

export function section(title, ...children) {
  const id = `section-${++fields}`;
  return h("section", { "aria-labelledby": id }, h("h2", { id }, title), ...children);
}

export function heading(text) {
  return h("h1", { tabindex: "-1" }, text);
}
