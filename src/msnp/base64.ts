// Strict base64 check shared by the parameter, MSNObject and MSNSLP decoders (Buffer.from(…, 'base64')
// itself never fails: it silently skips what it cannot read, so a caller that reports bad base64 asks first).

/** Well-formed base64 text: only the base64 alphabet, at most two `=` at the end, a multiple of 4 long. */
export function isCleanBase64(text: string): boolean {
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);
}
