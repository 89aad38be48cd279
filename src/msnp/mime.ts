// MIME framing of MSG bodies: header lines up to the first empty line, then the body.
// Header names compare case-insensitively; values are kept intact (colons inside values are legal).

export interface MimeHeader {
  name: string;
  value: string;
}

export interface MimeMessage {
  headers: MimeHeader[];
  /** Offset of the body within the payload bytes. */
  bodyOffset: number;
}

const MAX_HEADER_BYTES = 8192;

/** Splits a payload into MIME headers and body, or null when it does not start with header lines. */
export function parseMime(payload: Uint8Array): MimeMessage | null {
  const limit = Math.min(payload.length, MAX_HEADER_BYTES);
  let end = -1;
  let sepLength = 0;
  for (let i = 0; i < limit; i++) {
    if (payload[i] !== 10) continue;
    if (payload[i + 1] === 10) {
      end = i + 1;
      sepLength = 1;
      break;
    }
    if (payload[i + 1] === 13 && payload[i + 2] === 10) {
      end = i + 1;
      sepLength = 2;
      break;
    }
  }
  // A header block that is the whole payload (no empty line) is still MIME: e.g. TypingUser bodies cut short.
  const headerEnd = end < 0 ? limit : end;
  const text = Buffer.from(payload.buffer, payload.byteOffset, headerEnd).toString('utf8');
  const headers: MimeHeader[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0 || /[\s]/.test(line.slice(0, colon))) return null;
    headers.push({ name: line.slice(0, colon), value: line.slice(colon + 1).replace(/^[ \t]+/, '') });
  }
  if (headers.length === 0) return null;
  return { headers, bodyOffset: end < 0 ? payload.length : end + sepLength };
}

export function header(msg: MimeMessage, name: string): string | undefined {
  const lower = name.toLowerCase();
  return msg.headers.find((h) => h.name.toLowerCase() === lower)?.value;
}
