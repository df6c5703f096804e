// Statistics (coordinators, statistics readers): holders, uses by category and month, reach, as
// bar charts with their tables; the yearly report as CSV. Small counts come suppressed from the
// service and are shown as such, never guessed.

import { call } from "../api.js";
import { barChart } from "../charts.js";
import { field, h, heading, messages, words } from "../dom.js";

const FIGURES = [
  { title: "Active holders by programme", path: "figures/holders", query: { by: "programme" }, column: "active" },
  { title: "Uses by category", path: "figures/uses", query: { by: "category" }, column: "visits" },
  { title: "Uses by month", path: "figures/uses", query: { by: "month" }, column: "visits" },
  { title: "Reach: share of holders who used the card, by programme", path: "figures/reach", query: { by: "programme" },
    column: "share", format: (value) => `${Math.round(value * 100)} %` },
];

export async function render(main, { user }) {
  const year = h("input", { type: "number", name: "year", min: "2000", max: "2100", value: String(new Date().getFullYear()), required: true });
  const region = h("input", { type: "text", name: "region", value: user.region ?? "", readonly: user.national ? false : true },);
  const answer = messages();
  const charts = h("div", { class: "charts" });
  const download = h("button", { type: "button" }, "Download the yearly report (CSV)");

  async function show() {
    answer.clear();
    const figures = await Promise.all(FIGURES.map(async (figure) => {
      try {
        const result = await call("stats", figure.path, { query: { ...figure.query, year: year.value, region: region.value } });
        const rows = result.rows.map((row) => {
          const cell = row.cells[figure.column];
          // A count the service keeps back comes as null (and, from older versions, `suppressed`).
          const hidden = cell.suppressed === true || cell.value === null;
          return { label: Object.values(row.key).map((part) => words(part ?? "—")).join(" / "), value: cell.value, suppressed: hidden };
        });
        return barChart(`${figure.title}, ${year.value}`, rows, figure.format);
      } catch (error) {
        const box = messages();
        box.refusal(error);
        return box;
      }
    }));
    charts.replaceChildren(...figures);
  }

  download.addEventListener("click", async () => {
    try {
      const response = await call("stats", "reports/yearly.csv", { query: { year: year.value, region: region.value }, raw: true });
      const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ?? `leisure-pass-${year.value}.csv`;
      const link = h("a", { href: URL.createObjectURL(await response.blob()), download: name });
      document.body.append(link);
      link.click();
      link.remove();
      answer.show("ok", `Downloaded ${name}.`);
    } catch (error) {
      answer.refusal(error);
    }
  });
  const form = h("form", { class: "inline", onsubmit: (event) => { event.preventDefault(); show(); } },
    field("Year", year), field("Region", region, user.national ? "Empty: the whole country." : "Your token's region."),
    h("button", { type: "submit" }, "Show"));
  main.append(heading("Statistics"), form, download, answer, charts);
  await show();
}
