// Safe Markdown: the subset the FAQ and the bot use, built as DOM nodes.
//
// Nothing here parses HTML: every piece of text becomes a text node (textContent), and
// the only attribute taken from the input is a link's href, kept only when it is an
// absolute http(s) URL. So "<img src=x onerror=...>" in an answer shows as those
// characters. Supported: paragraphs (single newlines are line breaks, as the FAQ is
// written), "-"/"*"/"1." lists (nested by indentation), pipe tables, "#" headings (shown
// bold), fenced code, and inline **bold**, `code`, [text](url) and bare http(s) URLs.

const Markdown = (() => {
  const LIST_ITEM = /^(\s*)([-*+]|\d{1,9}[.)])\s+(.*)$/;
  const HEADING = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/;
  const FENCE = /^\s{0,3}```/;
  const TABLE_SEPARATOR = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;
  // Earliest of: `code`, [text](url), **bold**, a bare URL (stops at spaces, quotes,
  // brackets and full-width punctuation, so "（https://x）。" links only the URL).
  const INLINE =
    /`([^`\n]+)`|\[([^\]\n]+)\]\(\s*([^()\s]+)(?:\s+"[^"\n]*")?\s*\)|\*\*(?=\S)([^\n]*?\S)\*\*|(https?:\/\/[^\s<>()"'\u3000-\u303f\uff00-\uffef]+)/;

  /** The URL if it is an absolute http(s) URL, else null. */
  function safeUrl(raw) {
    if (typeof raw !== "string") return null;
    let url;
    try {
      url = new URL(raw.trim());
    } catch (e) {
      return null;
    }
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  }

  function el(tag, className, children) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    for (const child of children || []) {
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function link(href, children) {
    const a = el("a", "", children);
    a.setAttribute("href", href);
    a.setAttribute("target", "_blank");
    a.setAttribute("rel", "noopener noreferrer nofollow");
    return a;
  }

  /** Inline Markdown of one line as DOM nodes. */
  function inline(text) {
    const nodes = [];
    let rest = text;
    while (rest) {
      const m = INLINE.exec(rest);
      if (!m) {
        nodes.push(rest);
        break;
      }
      if (m.index > 0) nodes.push(rest.slice(0, m.index));
      const [whole, code, linkText, linkUrl, bold, bare] = m;
      if (code !== undefined) {
        nodes.push(el("code", "", [code]));
      } else if (linkText !== undefined) {
        const href = safeUrl(linkUrl);
        // A link to anything but http(s) (javascript:, data:, relative) stays visible text.
        nodes.push(...(href ? [link(href, inline(linkText))] : [whole]));
      } else if (bold !== undefined) {
        nodes.push(el("strong", "", inline(bold)));
      } else {
        const trimmed = bare.replace(/[.,;:!?]+$/, "");
        const href = safeUrl(trimmed);
        nodes.push(href ? link(href, [trimmed]) : trimmed);
        if (trimmed.length < bare.length) nodes.push(bare.slice(trimmed.length));
      }
      rest = rest.slice(m.index + whole.length);
    }
    return nodes;
  }

  function linesWithBreaks(lines) {
    const nodes = [];
    lines.forEach((line, i) => {
      if (i > 0) nodes.push(document.createElement("br"));
      nodes.push(...inline(line.trim()));
    });
    return nodes;
  }

  function tableCells(line) {
    let s = line.trim();
    if (s.startsWith("|")) s = s.slice(1);
    if (s.endsWith("|") && !s.endsWith("\\|")) s = s.slice(0, -1);
    return s.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, "|"));
  }

  function table(lines) {
    const head = el("tr", "", tableCells(lines[0]).map((c) => el("th", "", inline(c))));
    const body = lines.slice(2).map((l) => el("tr", "", tableCells(l).map((c) => el("td", "", inline(c)))));
    return el("div", "md-table", [el("table", "", [el("thead", "", [head]), el("tbody", "", body)])]);
  }

  /** Nested lists from consecutive list lines; deeper indentation nests under the last item. */
  function list(lines) {
    const lists = [];
    const stack = []; // open lists, outermost first: {indent, node, lastItem}
    for (const line of lines) {
      const m = LIST_ITEM.exec(line);
      const top = stack[stack.length - 1];
      if (!m) {
        // A continuation line belongs to the last item.
        if (top && top.lastItem) top.lastItem.append(document.createElement("br"), ...inline(line.trim()));
        continue;
      }
      const indent = m[1].replace(/\t/g, "    ").length;
      while (stack.length > 1 && indent < stack[stack.length - 1].indent) stack.pop();
      let level = stack[stack.length - 1];
      if (!level || indent > level.indent) {
        const ordered = /\d/.test(m[2]);
        const node = el(ordered ? "ol" : "ul", "", []);
        const start = parseInt(m[2], 10);
        if (ordered && start !== 1) node.setAttribute("start", String(start));
        if (level && level.lastItem) level.lastItem.append(node);
        else lists.push(node);
        level = { indent, node, lastItem: null };
        stack.push(level);
      }
      const item = el("li", "", inline(m[3]));
      level.node.append(item);
      level.lastItem = item;
    }
    return lists;
  }

  /** Markdown source -> a DocumentFragment of safe nodes. */
  function render(source) {
    const fragment = document.createDocumentFragment();
    const lines = String(source == null ? "" : source)
      .replace(/\r\n?/g, "\n")
      .split("\n");
    let i = 0;
    while (i < lines.length) {
      const line = lines[i];
      if (!line.trim()) {
        i++;
      } else if (FENCE.test(line)) {
        const code = [];
        i++;
        while (i < lines.length && !FENCE.test(lines[i])) code.push(lines[i++]);
        i++;
        fragment.append(el("pre", "", [el("code", "", [code.join("\n")])]));
      } else if (line.trim().startsWith("|") && i + 1 < lines.length && TABLE_SEPARATOR.test(lines[i + 1])) {
        const rows = [];
        while (i < lines.length && lines[i].trim().startsWith("|")) rows.push(lines[i++]);
        fragment.append(table(rows));
      } else if (LIST_ITEM.test(line)) {
        const items = [];
        while (i < lines.length && lines[i].trim() && (LIST_ITEM.test(lines[i]) || /^\s+\S/.test(lines[i]))) {
          items.push(lines[i++]);
        }
        fragment.append(...list(items));
      } else if (HEADING.test(line)) {
        fragment.append(el("p", "md-heading", [el("strong", "", inline(HEADING.exec(line)[1]))]));
        i++;
      } else {
        const para = [];
        while (
          i < lines.length &&
          lines[i].trim() &&
          !LIST_ITEM.test(lines[i]) &&
          !HEADING.test(lines[i]) &&
          !FENCE.test(lines[i]) &&
          !(lines[i].trim().startsWith("|") && i + 1 < lines.length && TABLE_SEPARATOR.test(lines[i + 1]))
        ) {
          para.push(lines[i++]);
        }
        fragment.append(el("p", "", linesWithBreaks(para)));
      }
    }
    return fragment;
  }

  return { render, inline, safeUrl, el };
})();
