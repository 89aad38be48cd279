// A small tolerant XML reader for MSNP payloads (UUX/UBX, ADL, NOT, GCF, msnobj, user+xml …).
// One linear pass, depth- and node-limited, never throws: broken input becomes `problems`, not a failure.

export interface XmlAttribute {
  name: string;
  value: string;
}

export interface XmlElement {
  type: 'element';
  name: string;
  attributes: XmlAttribute[];
  children: XmlNode[];
}

export interface XmlText {
  type: 'text';
  text: string;
}

export type XmlNode = XmlElement | XmlText;

export interface XmlDocument {
  /** Top-level nodes: MSNP payloads are often fragments with several roots. */
  nodes: XmlNode[];
  /** The first top-level element, or null. */
  root: XmlElement | null;
  /** What had to be forgiven (offsets are UTF-16 indexes into the text); capped. */
  problems: string[];
}

export interface XmlOptions {
  /** Elements nested deeper are skipped (their content dropped). Default 64. */
  maxDepth?: number;
  /** Elements plus text nodes before parsing stops. Default 20000. */
  maxNodes?: number;
}

const MAX_PROBLEMS = 16;

class Problems {
  readonly list: string[] = [];
  private dropped = 0;

  add(message: string): void {
    if (this.list.length < MAX_PROBLEMS) {
      if (!this.list.includes(message)) this.list.push(message);
    } else {
      this.dropped++;
    }
  }

  finish(): string[] {
    if (this.dropped > 0) this.list.push(`${this.dropped} more problems not listed`);
    return this.list;
  }
}

export function parseXml(text: string, options: XmlOptions = {}): XmlDocument {
  const maxDepth = options.maxDepth ?? 64;
  const maxNodes = options.maxNodes ?? 20000;
  const problems = new Problems();
  const top: XmlNode[] = [];
  const stack: XmlElement[] = [];
  let skipped = 0; // open elements beyond maxDepth, tracked only so their end tags balance
  let nodes = 0;
  const n = text.length;
  let i = 0;

  const container = (): XmlNode[] => (stack.length > 0 ? (stack[stack.length - 1] as XmlElement).children : top);
  const addText = (s: string): void => {
    if (s === '' || skipped > 0) return;
    const list = container();
    const last = list[list.length - 1];
    if (last !== undefined && last.type === 'text') last.text += s;
    else {
      list.push({ type: 'text', text: s });
      nodes++;
    }
  };

  while (i < n && nodes <= maxNodes) {
    const lt = text.indexOf('<', i);
    if (lt < 0) {
      addText(decodeEntities(text.slice(i), i, problems));
      break;
    }
    if (lt > i) addText(decodeEntities(text.slice(i, lt), i, problems));
    i = lt;
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4);
      if (end < 0) {
        problems.add(`unterminated comment at ${i}`);
        break;
      }
      i = end + 3;
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i + 9);
      if (end < 0) {
        problems.add(`unterminated CDATA at ${i}`);
        addText(text.slice(i + 9));
        break;
      }
      addText(text.slice(i + 9, end));
      i = end + 3;
    } else if (text.startsWith('<?', i)) {
      const end = text.indexOf('?>', i + 2);
      if (end < 0) {
        problems.add(`unterminated processing instruction at ${i}`);
        break;
      }
      i = end + 2;
    } else if (text.startsWith('<!', i)) {
      // DOCTYPE and friends: skipped; an internal subset ends with "]>".
      const close = text.indexOf('>', i);
      const bracket = close < 0 ? -1 : text.slice(i, close).indexOf('[');
      const end = bracket >= 0 ? text.indexOf(']>', i + bracket) + 1 : close;
      if (end <= 0) {
        problems.add(`unterminated declaration at ${i}`);
        break;
      }
      i = end + 1;
    } else if (text.startsWith('</', i)) {
      const end = text.indexOf('>', i + 2);
      const stop = end < 0 ? n : end;
      const name = text.slice(i + 2, stop).trim();
      const at = i;
      if (end < 0) problems.add(`unterminated end tag at ${at}`);
      i = end < 0 ? n : end + 1;
      if (skipped > 0) {
        skipped--;
        continue;
      }
      closeElement(name, at);
    } else if (isNameStart(text.charCodeAt(i + 1))) {
      i = startTag(i);
    } else {
      problems.add(`unescaped '<' at ${i}`);
      addText('<');
      i++;
    }
  }

  if (nodes > maxNodes) problems.add(`more than ${maxNodes} nodes; the rest was not read`);
  while (stack.length > 0) {
    const el = stack.pop() as XmlElement;
    problems.add(`<${el.name}> not closed`);
    trimWhitespace(el);
  }
  const kept = top.filter((node) => node.type === 'element' || node.text.trim() !== '');
  const root = (kept.find((node) => node.type === 'element') as XmlElement | undefined) ?? null;
  return { nodes: kept, root, problems: problems.finish() };

  function closeElement(name: string, at: number): void {
    for (let k = stack.length - 1; k >= 0; k--) {
      const candidate = stack[k] as XmlElement;
      if (candidate.name === name || candidate.name.toLowerCase() === name.toLowerCase()) {
        while (stack.length > k + 1) {
          const open = stack.pop() as XmlElement;
          problems.add(`<${open.name}> not closed before </${name}>`);
          trimWhitespace(open);
        }
        trimWhitespace(stack.pop() as XmlElement);
        return;
      }
    }
    problems.add(`stray </${name}> at ${at}`);
  }

  /** Reads `<name attr="v" …>` or `<name …/>` starting at `<`; returns the index after it. */
  function startTag(start: number): number {
    let j = start + 1;
    while (j < n && isNameChar(text.charCodeAt(j))) j++;
    const name = text.slice(start + 1, j);
    const attributes: XmlAttribute[] = [];
    let selfClosing = false;
    let closed = false;
    for (;;) {
      while (j < n && isSpace(text.charCodeAt(j))) j++;
      if (j >= n) {
        problems.add(`unterminated tag <${name}> at ${start}`);
        break;
      }
      const c = text[j];
      if (c === '>') {
        j++;
        closed = true;
        break;
      }
      if (c === '/' && text[j + 1] === '>') {
        j += 2;
        selfClosing = true;
        closed = true;
        break;
      }
      if (c === '<') {
        problems.add(`tag <${name}> not ended before '<' at ${j}`);
        break;
      }
      const nameStart = j;
      while (j < n && !isSpace(text.charCodeAt(j)) && text[j] !== '=' && text[j] !== '>' && text[j] !== '<' && !(text[j] === '/' && text[j + 1] === '>')) j++;
      if (j === nameStart) {
        // A lone character that cannot start anything (e.g. a stray '/'): skip it so the loop advances.
        problems.add(`unexpected '${text[j] ?? ''}' in tag <${name}> at ${j}`);
        j++;
        continue;
      }
      const attrName = text.slice(nameStart, j);
      while (j < n && isSpace(text.charCodeAt(j))) j++;
      if (text[j] !== '=') {
        problems.add(`attribute ${attrName} without a value in <${name}>`);
        attributes.push({ name: attrName, value: '' });
        continue;
      }
      j++;
      while (j < n && isSpace(text.charCodeAt(j))) j++;
      const quote = text[j];
      let raw: string;
      if (quote === '"' || quote === "'") {
        const end = text.indexOf(quote, j + 1);
        if (end < 0) {
          problems.add(`unterminated attribute value ${attrName} in <${name}>`);
          const gt = text.indexOf('>', j + 1);
          raw = text.slice(j + 1, gt < 0 ? n : gt);
          j = gt < 0 ? n : gt;
        } else {
          raw = text.slice(j + 1, end);
          j = end + 1;
        }
      } else {
        problems.add(`unquoted attribute value ${attrName} in <${name}>`);
        const vs = j;
        while (j < n && !isSpace(text.charCodeAt(j)) && text[j] !== '>' && !(text[j] === '/' && text[j + 1] === '>')) j++;
        raw = text.slice(vs, j);
      }
      if (raw.includes('<')) problems.add(`'<' inside attribute ${attrName} of <${name}>`);
      attributes.push({ name: attrName, value: decodeEntities(raw, start, problems) });
    }
    if (!closed && !selfClosing && j >= n) selfClosing = true; // cut off mid-tag: nothing can follow
    if (skipped > 0 || stack.length >= maxDepth) {
      if (skipped === 0) problems.add(`elements nested deeper than ${maxDepth} were skipped`);
      if (!selfClosing) skipped++;
      return j;
    }
    const el: XmlElement = { type: 'element', name, attributes, children: [] };
    container().push(el);
    nodes++;
    if (!selfClosing) stack.push(el);
    return j;
  }
}

/** Drops white-space-only text between child elements (pretty-printing), keeping it in text-only elements. */
function trimWhitespace(el: XmlElement): void {
  if (!el.children.some((c) => c.type === 'element')) return;
  el.children = el.children.filter((c) => c.type === 'element' || c.text.trim() !== '');
}

const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Replaces the five XML entities and character references; anything else stays literal and is reported. */
function decodeEntities(s: string, base: number, problems: Problems): string {
  let amp = s.indexOf('&');
  if (amp < 0) return s;
  let out = '';
  let from = 0;
  while (amp >= 0) {
    out += s.slice(from, amp);
    // Entities are short: look for ';' only nearby, so a text full of raw '&' stays linear.
    let semi = -1;
    for (let k = amp + 1; k < s.length && k <= amp + 12; k++) {
      if (s.charCodeAt(k) === 59) {
        semi = k;
        break;
      }
    }
    const body = semi > amp ? s.slice(amp + 1, semi) : null;
    let replacement: string | null = null;
    if (body !== null) {
      if (body[0] === '#') {
        const hex = body[1] === 'x' || body[1] === 'X';
        const digits = body.slice(hex ? 2 : 1);
        if (digits !== '' && (hex ? /^[0-9a-fA-F]+$/ : /^[0-9]+$/).test(digits)) {
          const cp = parseInt(digits, hex ? 16 : 10);
          if (cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff)) replacement = String.fromCodePoint(cp);
          else {
            problems.add(`invalid character reference &${body}; at ${base + amp}`);
            replacement = '\uFFFD';
          }
        }
      } else {
        replacement = Object.prototype.hasOwnProperty.call(NAMED, body) ? (NAMED[body] as string) : null;
      }
    }
    if (replacement === null) {
      problems.add(body !== null && /^[A-Za-z][A-Za-z0-9]*$/.test(body) ? `unknown entity &${body}; at ${base + amp}` : `unescaped '&' at ${base + amp}`);
      out += '&';
      from = amp + 1;
    } else {
      out += replacement;
      from = (semi as number) + 1;
    }
    amp = s.indexOf('&', from);
  }
  return out + s.slice(from);
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 58 || c >= 0xc0;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57) || c === 45 || c === 46 || c === 0xb7;
}

// ---------------------------------------------------------------------------------------------
// Small accessors: MSNP element and attribute names vary in case between clients, so lookups
// try the exact name first and then ignore case.

export function attr(el: XmlElement | null | undefined, name: string): string | undefined {
  if (el === null || el === undefined) return undefined;
  const exact = el.attributes.find((a) => a.name === name);
  if (exact !== undefined) return exact.value;
  const lower = name.toLowerCase();
  return el.attributes.find((a) => a.name.toLowerCase() === lower)?.value;
}

export function childElements(el: XmlElement | null | undefined, name?: string): XmlElement[] {
  if (el === null || el === undefined) return [];
  const lower = name?.toLowerCase();
  return el.children.filter((c): c is XmlElement => c.type === 'element' && (lower === undefined || c.name.toLowerCase() === lower));
}

export function child(el: XmlElement | null | undefined, name: string): XmlElement | undefined {
  return childElements(el, name)[0];
}

/** Concatenated text of an element and its descendants. */
export function textOf(el: XmlElement | null | undefined): string {
  if (el === null || el === undefined) return '';
  let out = '';
  const walk = (node: XmlNode, depth: number): void => {
    if (node.type === 'text') out += node.text;
    else if (depth < 128) for (const c of node.children) walk(c, depth + 1);
  };
  walk(el, 0);
  return out;
}

/** Text of a named child, or undefined when the child is absent. */
export function childText(el: XmlElement | null | undefined, name: string): string | undefined {
  const c = child(el, name);
  return c === undefined ? undefined : textOf(c);
}

/** Top-level elements of a fragment. */
export function rootElements(doc: XmlDocument): XmlElement[] {
  return doc.nodes.filter((c): c is XmlElement => c.type === 'element');
}
