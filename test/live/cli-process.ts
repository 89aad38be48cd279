// Runs the real CLI (dist/, built by the vitest globalSetup) as a child process, so live tests
// exercise signals, exit codes and stderr exactly as a user would.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');

/** Why live capture tests cannot run here, or null when they can (root and cap loads). */
export function liveCaptureUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'live capture needs root (CAP_NET_RAW); run the tests as root';
  try {
    createRequire(import.meta.url)('cap');
  } catch (err) {
    return `cap is not loadable (${(err as Error).message.split('\n')[0]}): apt-get install -y libpcap-dev && npm rebuild cap`;
  }
  return null;
}

export interface BuiltCli {
  /** Temp directory for the test's files (and, for copies, dist/, package.json, node_modules). */
  dir: string;
  cli: string;
  remove(): void;
}

/**
 * The CLI that test/support/build-cli.ts (vitest globalSetup) compiled into dist/, plus a fresh
 * world-readable temp directory for capture files.
 */
export function builtCli(): BuiltCli {
  const dir = mkdtempSync(join(tmpdir(), 'msnsniff-live-'));
  chmodSync(dir, 0o755);
  return { dir, cli: join(REPO, 'dist', 'cli.js'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A copy of a built CLI whose node_modules lacks `cap`, as on a machine where its native build
 * failed and npm dropped the optional dependency.
 */
export function copyWithoutCap(): BuiltCli {
  const dir = mkdtempSync(join(tmpdir(), 'msnsniff-nocap-'));
  chmodSync(dir, 0o755);
  cpSync(join(REPO, 'dist'), join(dir, 'dist'), { recursive: true });
  copyFileSync(join(REPO, 'package.json'), join(dir, 'package.json'));
  mkdirSync(join(dir, 'node_modules'));
  for (const name of readdirSync(join(REPO, 'node_modules'))) {
    if (name !== 'cap' && name !== '.bin') symlinkSync(join(REPO, 'node_modules', name), join(dir, 'node_modules', name));
  }
  return { dir, cli: join(dir, 'dist', 'cli.js'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when `pattern` appears in stderr (or stdout with `where`), rejects on exit or timeout. */
  waitFor(pattern: RegExp, where?: 'stderr' | 'stdout', timeoutMs?: number): Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startCli(cli: string, args: string[], opts: { uid?: number; gid?: number } = {}): CliRun {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  const poke = () => {
    for (const l of listeners) l();
  };
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    out += s;
    poke();
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    err += s;
    poke();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => {
    child.on('close', (code, signal) => {
      poke();
      res({ code, signal });
    });
  });
  let exited = false;
  void exit.then(() => {
    exited = true;
  });
  const waitFor = (pattern: RegExp, where: 'stderr' | 'stdout' = 'stderr', timeoutMs = 15_000) =>
    new Promise<void>((res, rej) => {
      const check = () => {
        if (pattern.test(where === 'stderr' ? err : out)) done(null);
        else if (exited) done(new Error(`msnsniff exited before ${pattern} appeared; stderr: ${err}`));
      };
      const timer = setTimeout(() => done(new Error(`timed out waiting for ${pattern} in ${where}; stderr: ${err}`)), timeoutMs);
      const done = (e: Error | null) => {
        clearTimeout(timer);
        listeners.delete(check);
        if (e === null) res();
        else rej(e);
      };
      listeners.add(check);
      check();
    });
  return { child, stdout: () => out, stderr: () => err, waitFor, exit };
}

/** Runs the CLI to completion. */
export async function runCli(cli: string, args: string[], opts: { uid?: number; gid?: number } = {}) {
  const run = startCli(cli, args, opts);
  const { code, signal } = await run.exit;
  return { code, signal, stdout: run.stdout(), stderr: run.stderr() };
}
