// Bytes → string without a Buffer object per call. Node's own decoders accept any Uint8Array as `this`;
// Buffer.from(view).toString() allocates a Buffer wrapper first, and the hot paths (command lines, MIME
// header lines, message bodies) decode hundreds of thousands of small strings.

type Slice = (this: Uint8Array, start: number, end: number) => string;
const proto = Buffer.prototype as unknown as { utf8Slice?: Slice; latin1Slice?: Slice };
// Not documented API, so a node without them falls back to the documented (slower) route.
const viaBuffer =
  (encoding: 'utf8' | 'latin1'): Slice =>
  function (this: Uint8Array, start: number, end: number): string {
    return Buffer.from(this.buffer, this.byteOffset, this.byteLength).toString(encoding, start, end);
  };
const utf8Slice: Slice = typeof proto.utf8Slice === 'function' ? proto.utf8Slice : viaBuffer('utf8');
const latin1Slice: Slice = typeof proto.latin1Slice === 'function' ? proto.latin1Slice : viaBuffer('latin1');

/** bytes[start, end) as UTF-8 (invalid sequences become U+FFFD). */
export function utf8Text(bytes: Uint8Array, start = 0, end = bytes.length): string {
  return utf8Slice.call(bytes, start, end);
}

/** bytes[start, end) one character per byte: string offsets are byte offsets. */
export function latin1Text(bytes: Uint8Array, start = 0, end = bytes.length): string {
  return latin1Slice.call(bytes, start, end);
}

/** A line split on LF without the CR of its CRLF ending. */
export function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
