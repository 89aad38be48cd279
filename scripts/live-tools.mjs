// Helpers shared by `npm run bench:live` and the live-capture tests (test/live/capture-child.test.ts).

import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** Packet records (Enhanced Packet Blocks) in a pcapng file, perhaps still growing: a partial last block is not counted. */
export function countRecords(file) {
  if (!existsSync(file)) return 0;
  const b = readFileSync(file);
  let n = 0;
  for (let off = 0; off + 12 <= b.length; ) {
    const len = b.readUInt32LE(off + 4);
    if (len < 12 || off + len > b.length) break;
    if (b.readUInt32LE(off) === 6) n++;
    off += len;
  }
  return n;
}

/** The capture child of the msnsniff process `pid` (from /proc), or null when it has none (any more). */
export function captureChild(pid) {
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const kids = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    if (kids !== '') return Number(kids.split(' ')[0]);
  }
  return null;
}
