// Small byte buffers without an ArrayBuffer of their own. `new Uint8Array(n)` above V8's 64-byte on-heap
// limit allocates, zeroes and tracks a separate backing store (~0.5 µs, and GC work later); node's
// Buffer.allocUnsafe carves small sizes out of a shared 8 KiB slab. Handed out as plain Uint8Array views,
// so `.slice()` keeps meaning "copy" (on a Buffer it would be another view).

/**
 * `n` bytes whose content is undefined until written: callers must write every byte they read back.
 * A kept view keeps its slab alive, which is fine for the small, short-lived buffers this is for.
 */
export function uninitialisedBytes(n: number): Uint8Array {
  return plainBytes(Buffer.allocUnsafe(n));
}

/** The same bytes as a plain Uint8Array view (no copy), on which `.slice()` copies. */
export function plainBytes(b: Uint8Array): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
