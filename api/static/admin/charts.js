// Charts as inline SVG, drawn with DOM calls only: every label from the data is set
// with textContent (never parsed as markup), and every mark has a <title> tooltip.

const SVG_NS = "http://www.w3.org/2000/svg";
const DAY_MARGIN = { l: 48, r: 16, t: 14, b: 30 }; // charts over days: room for the y ticks and the dates

export function svg(name, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

function withTitle(node, text) {
  node.append(svg("title", {}, text));
  return node;
}

function html(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = String(text);
  return node;
}

/** The smallest "round" number (1, 2, 2.5, 5 × 10^k) at or above ``value``. */
export function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * power >= value) return m * power;
  return 10 * power;
}

function emptyChart(container, message) {
  container.replaceChildren(html("p", "empty", message));
}

function legend(items) {
  const box = html("div", "legend");
  for (const item of items) {
    const entry = html("span", `legend-item legend-${item.key}`);
    const swatch = html("span", `swatch swatch-${item.key}`);
    entry.append(swatch, document.createTextNode(item.label));
    box.append(entry);
  }
  return box;
}

function shortDay(day) {
  return /^\d{4}-\d{2}-\d{2}$/.test(day) ? day.slice(5) : day;
}

function yAxis(root, { left, right, top, height, max, ticks, format }) {
  for (let i = 0; i <= ticks; i++) {
    const value = (max * i) / ticks;
    const y = top + height - (height * i) / ticks;
    root.append(svg("line", { class: "grid", x1: left, x2: right, y1: y, y2: y }));
    root.append(svg("text", { class: "tick tick-y", x: left - 6, y: y + 4, "text-anchor": "end" }, format(value)));
  }
}

/**
 * An SVG chart of ``width`` × ``height`` with its title and a y axis from 0 to ``max``; the
 * plot is the area inside ``margin`` (``l``, ``r``, ``t``, ``b``), of size ``pw`` × ``ph``.
 */
function chartFrame(kind, { width, height, margin, title, max, tickFormat }) {
  const pw = width - margin.l - margin.r;
  const ph = height - margin.t - margin.b;
  const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: `chart-svg ${kind}`, role: "img" });
  root.append(svg("title", {}, title));
  yAxis(root, { left: margin.l, right: width - margin.r, top: margin.t, height: ph, max, ticks: 4, format: tickFormat });
  return { root, pw, ph };
}

function xLabels(root, labels, xOf, y) {
  const step = Math.max(1, Math.ceil(labels.length / 10));
  const shown = labels.map((_, i) => i).filter((i) => i % step === 0);
  const last = labels.length - 1;
  if (shown[shown.length - 1] !== last && last - shown[shown.length - 1] >= step * 0.6) shown.push(last);
  for (const i of shown) {
    root.append(svg("text", { class: "tick tick-x", x: xOf(i), y, "text-anchor": "middle" }, shortDay(labels[i])));
  }
}

/**
 * Lines over days, one per series, with a point per known value.
 * @param {{labels: string[], series: {key, label, values: (number|null)[]}[], max?: number,
 *          format: (v:number)=>string, empty: string, title: string}} spec
 */
export function lineChart(container, spec) {
  const { labels, series, format } = spec;
  if (!labels.length) return emptyChart(container, spec.empty);
  const H = 260;
  const m = DAY_MARGIN;
  const max = spec.max ?? niceMax(Math.max(0, ...series.flatMap((s) => s.values.filter((v) => v != null))));
  const frame = { width: 760, height: H, margin: m, title: spec.title, max, tickFormat: spec.tickFormat ?? format };
  const { root, pw, ph } = chartFrame("line-chart", frame);
  const xOf = (i) => m.l + (labels.length === 1 ? pw / 2 : (i * pw) / (labels.length - 1));
  const yOf = (v) => m.t + ph - (ph * Math.min(v, max)) / max;
  xLabels(root, labels, xOf, H - 8);

  for (const s of series) {
    const group = svg("g", { class: `series series-${s.key}` });
    let d = "";
    let pen = "M";
    s.values.forEach((v, i) => {
      if (v == null) {
        pen = "M";
        return;
      }
      d += `${pen}${xOf(i).toFixed(1)},${yOf(v).toFixed(1)} `;
      pen = "L";
    });
    group.append(svg("path", { class: `line line-${s.key}`, d: d.trim(), fill: "none" }));
    s.values.forEach((v, i) => {
      if (v == null) return;
      const point = svg("circle", { class: `point point-${s.key}`, cx: xOf(i), cy: yOf(v), r: 3.5, "data-value": v });
      group.append(withTitle(point, `${labels[i]} · ${s.label}: ${format(v)}`));
    });
    root.append(group);
  }
  container.replaceChildren(root, legend(series));
}

/**
 * Columns per day: ``back`` (tall) with ``front`` drawn inside it (e.g. conversations and hand-offs).
 */
export function overlayColumns(container, spec) {
  const { labels, back, front } = spec;
  if (!labels.length) return emptyChart(container, spec.empty);
  const H = 220;
  const m = DAY_MARGIN;
  const max = niceMax(Math.max(0, ...back.values, ...front.values));
  const frame = { width: 760, height: H, margin: m, title: spec.title, max, tickFormat: spec.format };
  const { root, pw, ph } = chartFrame("column-chart", frame);
  const slot = pw / labels.length;
  const xOf = (i) => m.l + slot * (i + 0.5);
  const hOf = (v) => (ph * v) / max;
  xLabels(root, labels, xOf, H - 8);
  labels.forEach((day, i) => {
    for (const [s, width] of [
      [back, slot * 0.72],
      [front, slot * 0.4],
    ]) {
      const v = s.values[i] ?? 0;
      const bar = svg("rect", {
        class: `bar bar-${s.key}`,
        x: xOf(i) - width / 2,
        y: m.t + ph - hOf(v),
        width,
        height: Math.max(hOf(v), v > 0 ? 1 : 0),
        rx: 1.5,
        "data-value": v,
      });
      root.append(withTitle(bar, `${day} · ${s.label}: ${spec.format(v)}`));
    }
  });
  container.replaceChildren(root, legend([back, front]));
}

/**
 * Stacked columns per day: one segment per series, bottom to top in the order given.
 * @param {{labels: string[], series: {key, label, values: number[]}[], format, empty, title}} spec
 */
export function stackedColumns(container, spec) {
  const { labels, series } = spec;
  if (!labels.length) return emptyChart(container, spec.empty);
  const H = 220;
  const m = DAY_MARGIN;
  const totals = labels.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const frame = { width: 760, height: H, margin: m, title: spec.title, max, tickFormat: spec.format };
  const { root, pw, ph } = chartFrame("stacked-chart", frame);
  const slot = pw / labels.length;
  const width = slot * 0.72;
  const xOf = (i) => m.l + slot * (i + 0.5);
  xLabels(root, labels, xOf, H - 8);
  labels.forEach((day, i) => {
    let base = 0;
    for (const s of series) {
      const v = s.values[i] ?? 0;
      const h = (ph * v) / max;
      const bar = svg("rect", {
        class: `bar bar-${s.key}`,
        x: xOf(i) - width / 2,
        y: m.t + ph - base - h,
        width,
        height: h,
        "data-value": v,
        "data-day": day,
      });
      root.append(withTitle(bar, `${day} · ${s.label}: ${spec.format(v)}`));
      base += h;
    }
  });
  container.replaceChildren(root, legend(series));
}

/**
 * Grouped columns: one group per category, one column per series, the value above each.
 * @param {{categories: {key, label, note}[], series: {key, label}[], value: (cat, key)=>number|null,
 *          max?: number, format, empty, title}} spec
 */
export function groupedBars(container, spec) {
  const { categories, series, format } = spec;
  if (!categories.length) return emptyChart(container, spec.empty);
  const H = 250;
  const m = { l: 44, r: 8, t: 18, b: 42 };
  const max = spec.max ?? 1;
  const frame = { width: 460, height: H, margin: m, title: spec.title, max, tickFormat: spec.tickFormat ?? format };
  const { root, pw, ph } = chartFrame("bar-chart", frame);
  const slot = pw / categories.length;
  const barW = Math.min(34, (slot * 0.78) / series.length);
  categories.forEach((cat, ci) => {
    const center = m.l + slot * (ci + 0.5);
    const group = svg("g", { class: "bar-group", "data-key": cat.key });
    series.forEach((s, si) => {
      const v = spec.value(cat, s.key);
      const x = center - (barW * series.length) / 2 + si * barW;
      const h = v == null ? 0 : (ph * Math.min(v, max)) / max;
      const bar = svg("rect", {
        class: `bar bar-${s.key}`,
        x: x + 1,
        y: m.t + ph - h,
        width: barW - 2,
        height: h,
        rx: 1.5,
        "data-value": v ?? "",
      });
      group.append(withTitle(bar, `${cat.label} · ${s.label}: ${v == null ? "—" : format(v)}`));
      if (v != null) {
        group.append(
          svg(
            "text",
            { class: "bar-value", x: x + barW / 2, y: m.t + ph - h - 4, "text-anchor": "middle" },
            (spec.labelFormat ?? format)(v),
          ),
        );
      }
    });
    group.append(svg("text", { class: "cat-label", x: center, y: H - 24, "text-anchor": "middle" }, cat.label));
    if (cat.note) group.append(svg("text", { class: "cat-note", x: center, y: H - 9, "text-anchor": "middle" }, cat.note));
    root.append(group);
  });
  container.replaceChildren(root, legend(series));
}

/**
 * Horizontal stacked bars, one row per item with its label beside it (long questions wrap).
 * @param {{rows: {label, title, total, segments: {key, label, value}[]}[], legend: {key,label}[],
 *          describe: (row)=>string, empty}} spec
 */
export function horizontalBars(container, spec) {
  const { rows } = spec;
  if (!rows.length) return emptyChart(container, spec.empty);
  const max = Math.max(1, ...rows.map((r) => r.total));
  const list = html("ol", "hbars");
  for (const row of rows) {
    const item = html("li", "hbar-row");
    const label = html("span", "hbar-label", row.label);
    label.title = row.title ?? row.label;
    const W = 400;
    const H = 18;
    const bar = svg("svg", { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "none", class: "hbar" });
    let x = 0;
    for (const seg of row.segments) {
      const w = (W * seg.value) / max;
      const rect = svg("rect", { class: `bar bar-${seg.key}`, x, y: 0, width: w, height: H, "data-value": seg.value });
      bar.append(withTitle(rect, `${seg.label}: ${seg.value}`));
      x += w;
    }
    item.append(label, bar, html("span", "hbar-value", spec.describe(row)));
    list.append(item);
  }
  container.replaceChildren(list, legend(spec.legend));
}
