// Horizontal bar charts as inline SVG, with the numbers also in a table beside them for screen
// readers and for copying. A count the service keeps back is drawn as a grey stub.

import { h } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";

function s(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** rows: [{label, value, suppressed}]; `format` turns a value into its text. */
export function barChart(title, rows, format = String) {
  const rowHeight = 28;
  const labelWidth = 170;
  const width = 560;
  const max = Math.max(1, ...rows.map((row) => row.value ?? 0));
  const height = rowHeight * Math.max(rows.length, 1) + 8;
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title, class: "chart" },
    s("title", {}, title));
  rows.forEach((row, index) => {
    const y = index * rowHeight + 4;
    const barWidth = row.suppressed ? 14 : Math.round(((row.value ?? 0) / max) * (width - labelWidth - 70));
    svg.append(
      s("text", { x: labelWidth - 8, y: y + 17, "text-anchor": "end", class: "chart-label" }, row.label),
      s("rect", { x: labelWidth, y, width: Math.max(barWidth, 1), height: rowHeight - 8,
        class: row.suppressed ? "bar suppressed" : "bar" }),
      s("text", { x: labelWidth + Math.max(barWidth, 1) + 6, y: y + 17, class: "chart-value" },
        row.suppressed ? "suppressed" : format(row.value ?? 0)));
  });
  if (!rows.length) svg.append(s("text", { x: 8, y: 20 }, "No figures for this period."));
  const figure = h("figure", { class: "chart-figure" }, h("figcaption", {}, title));
  figure.append(svg, h("details", {}, h("summary", {}, "Figures as a table"),
    h("table", {}, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "row"), h("th", { scope: "col" }, "value"))),
      h("tbody", {}, rows.map((row) => h("tr", {}, h("td", {}, row.label),
        h("td", {}, row.suppressed ? "suppressed: too few to show without singling someone out" : format(row.value ?? 0))))))));
  return figure;
}
