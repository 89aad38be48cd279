// Which dialects a client build can speak, from the version it gives in CVR (reference §1.3: the
// first official client of each dialect). Only an upper bound: a client may use an older dialect.

/** [lowest client version "major.minor", highest dialect it speaks], ascending. */
const MAX_DIALECT_BY_CLIENT: ReadonlyArray<readonly [number, number, number]> = [
  [1, 0, 2],
  [2, 0, 3],
  [2, 2, 4],
  [3, 0, 5],
  [3, 6, 6],
  [4, 0, 7],
  [5, 0, 8],
  [6, 0, 9],
  [6, 1, 10],
  [7, 0, 11],
  [7, 5, 12],
  [8, 0, 14],
  [8, 1, 15],
  [9, 0, 17],
  [14, 0, 18],
  [15, 0, 21],
];

/** The highest dialect a client of this version (e.g. "6.2.0205") speaks, or null if unknown. */
export function maxDialectOfClient(version: string): number | null {
  const m = /^(\d{1,2})\.(\d{1,2})/.exec(version);
  if (m === null) return null;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  let max: number | null = null;
  for (const [ma, mi, dialect] of MAX_DIALECT_BY_CLIENT) {
    if (major > ma || (major === ma && minor >= mi)) max = dialect;
  }
  return max;
}
