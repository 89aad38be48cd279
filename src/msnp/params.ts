// Names every parameter of an MSNP command line per the layout of its verb, direction and dialect
// (layouts in params-layouts.ts, value kinds in params-kinds.ts), and says which parameters are secrets.

import { errorInfo, isErrorVerb } from './commands.js';
import { KINDS, isDigits, type Fields, type KindContext, type KindDef } from './params-kinds.js';
import { LAYOUTS, type LayoutDir, type PostCheck } from './params-layouts.js';
import { clip } from './params-util.js';

/** Plain JSON data. */
export type ParamValue = string | number | boolean | null | ParamValue[] | { [key: string]: ParamValue };

export interface DecodedParams {
  fields: Record<string, ParamValue>;
  /** Dialects of the layout the line fits cleanly (evidence for inferring the dialect), else null. */
  dialects: [number, number] | null;
  /** Malformed parameters, one sentence each (the caller reports them as `msnp.malformed_params`). */
  problems: string[];
}

export interface DecodeOptions {
  /** Replace secret parameters (see secretArgs) by `redact(value)` in the fields. Default false. */
  redactSecrets?: boolean;
}

type Dir = 'c2s' | 's2c';

// --- compiled layouts ----------------------------------------------------------------------------------

interface Slot {
  /** Field name; '' for an unnamed literal or the TrID. */
  name: string;
  kind: KindDef | null;
  /** Accepted literal values (hard match), or null for a kind. */
  literals: readonly string[] | null;
  /** Hard prefix such as `N=`, stripped before decoding. */
  prefix: string;
  optional: boolean;
  /** Minimum count of a trailing `*` (0) or `+` (1) slot; -1 for a single slot. */
  restMin: number;
  secret: boolean;
}

interface Layout {
  verb: string;
  dir: LayoutDir;
  from: number;
  to: number;
  slots: readonly Slot[];
  /** Slots that are neither optional nor rest. */
  required: number;
  optionalIdx: readonly number[];
  rest: Slot | null;
  post: PostCheck | undefined;
}

const SLOT = /^(?:([A-Z]+=))?(?:([A-Za-z][A-Za-z0-9]*):)?(?:'([^']+)'|([a-z][a-z0-9]*))([?*+])?$/;

function compileSlot(token: string, where: string): Slot {
  const m = SLOT.exec(token);
  if (!m) throw new Error(`params layout ${where}: bad slot '${token}'`);
  const [, prefix = '', name, literal, kindName, mod = ''] = m;
  if (literal !== undefined) {
    if (mod === '*' || mod === '+') throw new Error(`params layout ${where}: a literal cannot repeat`);
    return { name: name ?? '', kind: null, literals: literal.split('|'), prefix, optional: mod === '?', restMin: -1, secret: false };
  }
  const kind = kindName === undefined ? undefined : KINDS[kindName];
  if (kind === undefined) throw new Error(`params layout ${where}: unknown kind '${kindName ?? ''}'`);
  const rest = mod === '*' || mod === '+';
  if (rest && kind.many === undefined) throw new Error(`params layout ${where}: kind '${kindName ?? ''}' cannot repeat`);
  return {
    name: name ?? kind.field,
    kind,
    literals: null,
    prefix,
    optional: mod === '?',
    restMin: mod === '*' ? 0 : mod === '+' ? 1 : -1,
    secret: kind.secret === true,
  };
}

function compile(): Map<string, readonly Layout[]> {
  const out = new Map<string, readonly Layout[]>();
  for (const [verb, specs] of Object.entries(LAYOUTS)) {
    const layouts: Layout[] = [];
    specs.forEach(([dir, from, to, syntax, post], i) => {
      const where = `${verb}#${i}`;
      const slots = syntax.split(' ').filter((t) => t.length > 0).map((t) => compileSlot(t, where));
      const restAt = slots.findIndex((s) => s.restMin >= 0);
      if (restAt >= 0 && restAt !== slots.length - 1) throw new Error(`params layout ${where}: repeat must be last`);
      const optionalIdx: number[] = [];
      slots.forEach((s, j) => {
        if (s.optional) optionalIdx.push(j);
      });
      layouts.push({
        verb,
        dir,
        from,
        to,
        slots,
        required: slots.filter((s) => !s.optional && s.restMin < 0).length,
        optionalIdx,
        rest: restAt >= 0 ? (slots[restAt] ?? null) : null,
        post,
      });
    });
    out.set(verb, layouts);
  }
  return out;
}

// Compiled once at load; a malformed table is a bug and fails the first import (and every test).
const COMPILED = compile();
/** Layouts per `verb|dir`, so matching a line does not filter the table each time. */
const BY_DIRECTION = new Map<string, Layout[]>();
/** Verbs with a secret slot in some layout: the only ones secretArgs needs to match. */
const SECRET_VERBS = new Set<string>();
for (const [verb, layouts] of COMPILED) {
  for (const dir of ['c2s', 's2c'] as const) BY_DIRECTION.set(`${verb}|${dir}`, layouts.filter((l) => l.dir === dir || l.dir === 'both'));
  if (layouts.some((l) => l.slots.some((slot) => slot.secret))) SECRET_VERBS.add(verb);
}

// --- matching --------------------------------------------------------------------------------------------

interface Match {
  layout: Layout;
  /** Argument index taken by each slot (-1 = omitted); a rest slot takes `restFrom` … end. */
  argOf: number[];
  restFrom: number;
  ctx: KindContext;
  score: number;
}

/**
 * The best way `args` fit `layout`, or null when its arity, literals or prefixes rule it out. With a rest
 * slot, as many optional slots as possible are filled first; without one, exactly as many as the spare
 * arguments. Among the slots to fill, earlier ones fill first (combinations in lexicographic order).
 * (Runs for every command line: no generators, sets or closures per attempt.)
 */
function fitLayout(layout: Layout, args: readonly string[]): Match | null {
  const n = args.length;
  const restMin = layout.rest?.restMin ?? -1;
  const spare = n - layout.required - (restMin > 0 ? restMin : 0);
  if (spare < 0) return null;
  const optional = layout.optionalIdx;
  let m: number;
  let lowest: number;
  if (layout.rest !== null) {
    m = Math.min(optional.length, spare);
    lowest = 0;
  } else {
    if (spare > optional.length) return null;
    m = spare;
    lowest = spare;
  }
  let best: Match | null = null;
  const filled: boolean[] = new Array<boolean>(layout.slots.length);
  for (; m >= lowest; m--) {
    // idx: the chosen positions in `optional`, advanced like an odometer.
    const idx: number[] = [];
    for (let i = 0; i < m; i++) idx.push(i);
    for (;;) {
      filled.fill(false);
      for (let i = 0; i < m; i++) filled[optional[idx[i] as number] as number] = true;
      const argOf = new Array<number>(layout.slots.length);
      const restFrom = placeArgs(layout, args, filled, argOf);
      if (restFrom >= 0) {
        const match = decodeWith(layout, args, argOf, restFrom);
        if (best === null || match.score < best.score) best = match;
        if (best.score === 0) return best;
      }
      let i = m - 1;
      while (i >= 0 && idx[i] === optional.length - m + i) i--;
      if (i < 0) break;
      idx[i] = (idx[i] as number) + 1;
      for (let j = i + 1; j < m; j++) idx[j] = (idx[j - 1] as number) + 1;
    }
  }
  return best;
}

/**
 * Fills `argOf` with the argument index of each slot when the optional slots marked in `filled` are
 * present (-1 = omitted, also for the rest slot). Returns the first argument left for the rest slot, or
 * -1 when a literal or prefix does not match or, without a rest slot, arguments are left over.
 */
function placeArgs(layout: Layout, args: readonly string[], filled: readonly boolean[], argOf: number[]): number {
  const slots = layout.slots;
  let next = 0;
  for (let j = 0; j < slots.length; j++) {
    const slot = slots[j] as Slot;
    if (slot.restMin >= 0 || (slot.optional && filled[j] !== true)) {
      argOf[j] = -1;
      continue;
    }
    const arg = args[next] ?? '';
    if (slot.literals !== null && !slot.literals.includes(arg)) return -1;
    if (slot.prefix !== '' && !arg.startsWith(slot.prefix)) return -1;
    argOf[j] = next++;
  }
  if (layout.rest === null && next !== args.length) return -1;
  return next;
}

function decodeWith(layout: Layout, args: readonly string[], argOf: number[], restFrom: number): Match {
  const ctx: KindContext = { fields: {}, problems: [], misfits: 0 };
  const slots = layout.slots;
  for (let j = 0; j < slots.length; j++) {
    const slot = slots[j] as Slot;
    if (slot.restMin >= 0) {
      const kind = slot.kind;
      if (kind === null) continue;
      ctx.fields[slot.name] = kind.many?.empty() ?? null;
      for (let i = restFrom; i < args.length; i++) kind.decode(args[i] ?? '', slot.name, ctx);
      continue;
    }
    const at = argOf[j] ?? -1;
    if (at < 0) continue;
    const raw = args[at] ?? '';
    if (slot.kind === null) {
      if (slot.name !== '') ctx.fields[slot.name] = raw;
      continue;
    }
    slot.kind.decode(slot.prefix === '' ? raw : raw.slice(slot.prefix.length), slot.name, ctx);
  }
  layout.post?.(ctx.fields, ctx.problems);
  return { layout, argOf, restFrom, ctx, score: ctx.problems.length + ctx.misfits };
}

/** How far a layout's dialect range is from the session's dialect (0 = inside, or dialect unknown). */
function distance(layout: Layout, dialect: number | null): number {
  if (dialect === null) return 0;
  if (dialect < layout.from) return layout.from - dialect;
  if (dialect > layout.to) return dialect - layout.to;
  return 0;
}

/**
 * Picks the layout for a line. Preference: a clean fit inside the dialect; a clean fit outside it
 * (nearest range first: servers and clients deviate, and SB dialects are sometimes guessed); the
 * fewest problems inside the dialect; the fewest problems anywhere. Table order breaks ties.
 */
function match(verb: string, dir: Dir, args: readonly string[], dialect: number | null): Match | 'no-layouts' | 'no-fit' {
  const layouts = BY_DIRECTION.get(`${verb}|${dir}`);
  if (layouts === undefined || layouts.length === 0) return 'no-layouts';
  let best: { m: Match; rank: number } | null = null;
  for (const layout of layouts) {
    const m = fitLayout(layout, args);
    if (m === null) continue;
    const d = distance(layout, dialect);
    // Clean in range < clean outside (nearest first) < problems in range (fewest first) < the rest.
    const rank = m.score === 0 ? (d === 0 ? 0 : 1 + d / 1000) : d === 0 ? 1000 + m.score : 100_000 + m.score * 1000 + d;
    if (best === null || rank < best.rank) best = { m, rank };
    if (rank === 0) break;
  }
  return best === null ? 'no-fit' : best.m;
}

// --- public API ------------------------------------------------------------------------------------------

/**
 * The parameters of one command line, named. `args` are the tokens after the verb (TrID included),
 * `dialect` the session's MSNP version or null when unknown. Never throws; unknown verbs give `{}`.
 */
export function decodeParams(
  verb: string,
  dir: Dir,
  args: readonly string[],
  dialect: number | null,
  options: DecodeOptions = {},
): DecodedParams {
  if (options.redactSecrets === true) args = redactArgs(verb, dir, args, dialect);
  if (isErrorVerb(verb)) return decodeError(verb, args, dialect);
  const m = match(verb, dir, args, dialect);
  if (m === 'no-layouts') return { fields: {}, dialects: null, problems: [] };
  if (m === 'no-fit') {
    const count = args.length === 1 ? '1 parameter' : `${args.length} parameters`;
    const who = dir === 'c2s' ? 'client' : 'server';
    return { fields: {}, dialects: null, problems: [`${count} fit no known ${who} ${verb} layout`] };
  }
  return { fields: m.ctx.fields, dialects: m.score === 0 ? [m.layout.from, m.layout.to] : null, problems: m.ctx.problems };
}

/** Error replies `NNN TrID{ len}` (reference §2.5, §4). */
function decodeError(verb: string, args: readonly string[], dialect: number | null): DecodedParams {
  const code = Number(verb);
  const info = errorInfo(code);
  const fields: Fields = { error: { code, name: info?.name ?? null, meaning: info?.meaning ?? null } };
  const problems: string[] = [];
  const first = args[0];
  if (first !== undefined && !isDigits(first)) problems.push(`TrID '${clip(first)}' is not a number`);
  const last = args[args.length - 1];
  if (args.length >= 2 && last !== undefined && isDigits(last) && (dialect === null || dialect >= 13)) fields['length'] = Number(last);
  // Very old servers may append text after the TrID (reference §2.2): kept, not flagged.
  else if (args.length >= 2) fields['extra'] = args.slice(1).join(' ');
  return { fields, dialects: null, problems };
}

/**
 * Indexes into `args` of credentials to hide by default: Passport/TWN tickets, SSO tickets, MBI
 * responses and nonces, SHA circle tickets, switchboard CKI cookies (XFR, RNG, USR, ANS), MSNFTP
 * auth cookies, MD5 login responses (md5(salt+password) invites an offline password search), and
 * any `t=…&p=…` token. Not secrets: MD5 salts, CHL challenges (public, server-chosen; needed to
 * verify logins and QRYs), session ids, handles. QRY responses are in the payload, not the
 * parameters, and are computed from public product keys: nothing to redact there. The NS profile
 * `MSG` payload carries `MSPAuth` (a ticket) — a body matter, not covered here.
 */
export function secretArgs(verb: string, dir: Dir, args: readonly string[], dialect: number | null): number[] {
  // Fast path for the bulk of traffic (MSG, NLN, PNG …): no secret slot, no fallback rule, no ticket token.
  if (!SECRET_VERBS.has(verb) && verb !== 'USR' && verb !== 'ANS' && !args.some((a) => a.startsWith('t=') || a === 'CKI')) return [];
  const out = new Set<number>();
  const m = isErrorVerb(verb) ? 'no-layouts' : match(verb, dir, args, dialect);
  if (typeof m === 'object') {
    m.layout.slots.forEach((slot, j) => {
      const at = m.argOf[j] ?? -1;
      if (slot.secret && at >= 0) out.add(at);
    });
  } else {
    fallbackSecrets(verb, dir, args, out);
  }
  args.forEach((a, i) => {
    if (/^t=[^&]*&p=/.test(a)) out.add(i);
  });
  return [...out].sort((a, b) => a - b);
}

/** Secrets in lines that fit no layout: still hide what sits where a credential would. */
function fallbackSecrets(verb: string, dir: Dir, args: readonly string[], out: Set<number>): void {
  const cki = args.indexOf('CKI');
  if (cki >= 0 && cki + 1 < args.length) out.add(cki + 1);
  if (dir !== 'c2s') {
    if (verb === 'USR' && args[1] === 'SSO' && args[2] === 'S' && args.length > 4) out.add(4);
    return;
  }
  if (verb === 'USR') {
    // A subsequent auth step of any package (known or not): everything after the stage letter.
    if (args.length > 3 && (args[2] === 'S' || args[2] === 'A')) {
      for (let i = 3; i < args.length; i++) if (!/^\{.*\}$/.test(args[i] ?? '')) out.add(i);
    } else if (args.length === 3) out.add(2);
    // MSNFTP `USR handle auth-cookie` (no TrID, reference §9).
    else if (args.length === 2 && (args[0] ?? '').includes('@')) out.add(1);
  } else if (verb === 'ANS' && args.length >= 3) out.add(2);
}

/** `args` with every secret (see secretArgs) replaced by redact(value); the same array when there is none. */
export function redactArgs(verb: string, dir: Dir, args: readonly string[], dialect: number | null): readonly string[] {
  const secret = secretArgs(verb, dir, args, dialect);
  return secret.length === 0 ? args : args.map((a, i) => (secret.includes(i) ? redact(a) : a));
}

/** A stable placeholder that reveals only the length (in characters) of what it replaces. */
export function redact(value: string): string {
  return `«redacted ${[...value].length} chars»`;
}
