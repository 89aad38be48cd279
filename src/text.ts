// Bytes → string without a Buffer object per call. Node's own decoders accept any Uint8Array as `this`;
// Buffer.from(view).toString() allocates a Buffer wrapper first, and the hot paths (command lines, MIME
// header lines, message bodies) decode hundreds of thousands of small strings.

type Slice = (this: Uint8Array, start: number, end: number) => string;
const proto = Buffer.prototype as unknown as { utf8Slice: Slice; latin1Slice: Slice };
const utf8Slice = proto.utf8Slice;
const latin1Slice = proto.latin1Slice;

/** bytes[start, end) as UTF-8 (invalid sequences become U+FFFD). */
export function utf8Text(bytes: Uint8Array, start = 0, end = bytes.length): string {
  return utf8Slice.call(bytes, start, end);
}

/** bytes[start, end) one character per byte: string offsets are byte offsets. */
export function latin1Text(bytes: Uint8Array, start = 0, end = bytes.length): string {
  return latin1Slice.call(bytes, start, end);
}
