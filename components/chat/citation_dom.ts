/**
 * Turns the placeholders that citations.ts put into a message's Markdown into footnote markers,
 * in the rendered (and already sanitised) HTML. A marker never lands inside a link (links do not
 * nest), inside code (it would read as code) or inside an attribute (an autolink's `href`, an
 * image's `alt`): it goes right after that element instead. Any marker the Markdown swallowed
 * goes at the end, so a citation is never lost.
 *
 * Elements are built with DOM calls (no HTML strings): titles and URLs cannot inject markup.
 * @module
 */
import { type Footnote, type Marker, PLACEHOLDER_BASE, PLACEHOLDER_RE } from "./citations.ts";

const TEXT_NODE = 3;
const ELEMENT_NODE = 1;
/** Elements a marker must not be inside. */
const NO_MARKER_INSIDE = new Set(["A", "CODE", "PRE", "KBD", "SAMP"]);
/** A placeholder percent-encoded into a URL attribute (UTF-8 of U+E000..U+F8FF). */
const ENCODED_PLACEHOLDER_RE = /%E[EF]%[89AB][0-9A-F]%[89AB][0-9A-F]/gi;

/** The accessible name of a footnote marker. */
export function markerLabel(note: Footnote): string {
  return `Source ${note.n}: ${note.title}`;
}

/** One marker: a superscript with a link per cited source (plain text when not a safe link). */
export function markerElement(doc: Document, numbers: number[], notes: Footnote[]): Element {
  const sup = doc.createElement("sup");
  sup.setAttribute("class", "ck-cite");
  numbers.forEach((n, i) => {
    const note = notes[n - 1];
    if (!note) return;
    if (i > 0) {
      const comma = doc.createElement("span");
      comma.setAttribute("aria-hidden", "true");
      comma.textContent = ",";
      sup.appendChild(comma);
    }
    if (note.href) {
      const a = doc.createElement("a");
      a.setAttribute("class", "ck-cite-link");
      a.setAttribute("href", note.href);
      a.setAttribute("target", "_blank");
      a.setAttribute("rel", "noopener noreferrer");
      a.setAttribute("aria-label", markerLabel(note));
      a.setAttribute("title", note.title);
      a.setAttribute("data-source", String(n));
      a.textContent = String(n);
      sup.appendChild(a);
    } else {
      const span = doc.createElement("span");
      span.setAttribute("class", "ck-cite-plain");
      span.setAttribute("data-source", String(n));
      span.setAttribute("title", note.title);
      const label = doc.createElement("span");
      label.setAttribute("class", "ck-sr-only");
      label.textContent = markerLabel(note);
      const visible = doc.createElement("span");
      visible.setAttribute("aria-hidden", "true");
      visible.textContent = String(n);
      span.append(label, visible);
      sup.appendChild(span);
    }
  });
  return sup;
}

/**
 * Replaces the placeholders under `root` with markers (`markers[k]` is placeholder `k`), and
 * removes every placeholder left in text or attributes.
 */
export function insertMarkers(root: Element, markers: Marker[], notes: Footnote[]): void {
  const doc = root.ownerDocument;
  const placed = new Set<number>();
  /** The node after which the next marker behind each blocked element goes (keeps order). */
  const after = new Map<Node, Node>();
  const make = (k: number): Node | null => {
    if (placed.has(k) || !markers[k]) return null;
    placed.add(k);
    return markerElement(doc, markers[k].numbers, notes);
  };
  const putAfter = (anchor: Node, node: Node) => {
    const ref = after.get(anchor) ?? anchor;
    ref.parentNode?.insertBefore(node, ref.nextSibling);
    after.set(anchor, node);
  };
  /** The outermost element between `node` and `root` that may not hold a marker. */
  const blocker = (node: Node): Node | null => {
    let found: Node | null = null;
    for (let n = node.parentNode; n && n !== root; n = n.parentNode) {
      if (n.nodeType === ELEMENT_NODE && NO_MARKER_INSIDE.has((n as Element).tagName)) found = n;
    }
    return found;
  };

  const visit = (node: Node) => {
    for (const child of Array.from(node.childNodes)) {
      if (child.nodeType === TEXT_NODE) visitText(child as Text);
      else if (child.nodeType === ELEMENT_NODE) {
        visitAttributes(child as Element);
        visit(child);
      }
    }
  };

  const visitText = (text: Text) => {
    const value = text.data;
    PLACEHOLDER_RE.lastIndex = 0;
    if (!PLACEHOLDER_RE.test(value)) return;
    const host = blocker(text);
    if (host) {
      text.data = value.replace(PLACEHOLDER_RE, "");
      for (const k of placeholders(value)) {
        const marker = make(k);
        if (marker) putAfter(host, marker);
      }
      return;
    }
    const parent = text.parentNode!;
    let from = 0;
    for (let i = 0; i < value.length; i++) {
      const code = value.charCodeAt(i);
      if (code < PLACEHOLDER_BASE || code > 0xf8ff) continue;
      if (i > from) parent.insertBefore(doc.createTextNode(value.slice(from, i)), text);
      const marker = make(code - PLACEHOLDER_BASE);
      if (marker) parent.insertBefore(marker, text);
      from = i + 1;
    }
    if (from < value.length) parent.insertBefore(doc.createTextNode(value.slice(from)), text);
    parent.removeChild(text);
  };

  const visitAttributes = (el: Element) => {
    for (const attr of Array.from(el.attributes)) {
      const decoded = attr.value.replace(ENCODED_PLACEHOLDER_RE, (m) => {
        try {
          return decodeURIComponent(m);
        } catch {
          return "";
        }
      });
      const ks = placeholders(decoded);
      if (!ks.length) continue;
      el.setAttribute(attr.name, decoded.replace(PLACEHOLDER_RE, ""));
      const anchor = blocker(el) ?? el;
      for (const k of ks) {
        const marker = make(k);
        if (marker) putAfter(anchor, marker);
      }
    }
  };

  visit(root);
  // Whatever the Markdown swallowed: at the end of the last paragraph, else of the message.
  const last = root.lastElementChild;
  const end = last && last.tagName === "P" ? last : root;
  markers.forEach((_, k) => {
    const marker = make(k);
    if (marker) end.appendChild(marker);
  });
}

/** The marker numbers of the placeholders in `value`, in order. */
function placeholders(value: string): number[] {
  return Array.from(value.matchAll(PLACEHOLDER_RE), (m) => m[0].charCodeAt(0) - PLACEHOLDER_BASE);
}
