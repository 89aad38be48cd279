// Loads the optional `cap` addon on demand and turns what it says into msnsniff's terms:
// link type names into LINKTYPE numbers, libpcap's open errors into one actionable line.

import { createRequire } from 'node:module';
import type { Cap, Device } from 'cap';
import { LinkType } from './packet.js';
import { CaptureOpenError } from './source.js';

export type CapModule = { Cap: typeof Cap };

/** A live capture that cannot start; like any CaptureOpenError, the CLI prints it as one line and exits 2. */
export class LiveCaptureError extends CaptureOpenError {}

const BUILD_ADVICE = 'apt-get install -y libpcap-dev && npm rebuild cap';

let loaded: CapModule | null = null;

/**
 * `cap` is an optional dependency with a native build, loaded here and nowhere else so that `read`
 * works on machines where it is missing or failed to build.
 */
export function loadCap(): CapModule {
  if (loaded !== null) return loaded;
  const require = createRequire(import.meta.url);
  try {
    loaded = require('cap') as CapModule;
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err);
    const why = /Cannot find module 'cap'/.test(message)
      ? 'is not installed'
      : /cap\.node/.test(message)
        ? 'is installed but its native addon was not built'
        : `failed to load (${message})`;
    throw new LiveCaptureError(
      `live capture needs the optional package "cap", which ${why}: run ${BUILD_ADVICE} (npm install cap if npm removed it after a failed build)`,
    );
  }
  return loaded;
}

/** Devices libpcap can open, with their IPv4/IPv6 addresses. */
export function listDevices(): Device[] {
  const { Cap } = loadCap();
  try {
    return Cap.deviceList();
  } catch (err) {
    throw new LiveCaptureError(`cannot list capture interfaces: ${messageOf(err)}`);
  }
}

// cap names a few DLT values itself and spells the rest "Unknown linktype N" (binding.cc, Open).
// RAW is DLT_RAW (12 on Linux) in memory but LINKTYPE_RAW (101) in files; the decoder reads both,
// and the capture writer needs the file value.
const LINK_TYPE_BY_NAME: Readonly<Record<string, number>> = {
  NULL: LinkType.NULL,
  ETHERNET: LinkType.ETHERNET,
  RAW: LinkType.RAW,
  IEEE802_11: LinkType.IEEE802_11,
  LINKTYPE_LINUX_SLL: LinkType.LINUX_SLL,
  IEEE802_11_RADIO: LinkType.IEEE802_11_RADIO,
};

/** LINKTYPE number for cap's link type string, or null when it is neither a known name nor "Unknown linktype N". */
export function linkTypeNumber(name: string): number | null {
  const known = LINK_TYPE_BY_NAME[name];
  if (known !== undefined) return known;
  const m = /^Unknown linktype (\d+)$/.exec(name);
  return m === null ? null : Number(m[1]);
}

/** Turns an exception from Cap#open into the line the user sees. */
export function describeOpenError(device: string, filter: string, err: unknown, devices: readonly string[] | null): string {
  const message = messageOf(err);
  if (/permission|not permitted|EPERM|EACCES/i.test(message)) {
    return `cannot capture on "${device}" (${message}): live capture needs root or the CAP_NET_RAW capability`;
  }
  if (/no such device|doesn't exist|does not exist/i.test(message)) return noSuchInterface(device, devices);
  // Everything libpcap does before compiling the filter (activate, buffer, socket set-up) names
  // the device, a socket or an ioctl; what remains with a filter given is pcap_compile's complaint.
  if (filter !== '' && !/device|socket|ioctl|SIOC|mmap|buffer|promisc|not up|snaplen|timeout|activate/i.test(message)) {
    return `bad capture filter "${filter}": ${message}`;
  }
  return `cannot capture on "${device}": ${message}`;
}

export function noSuchInterface(device: string, devices: readonly string[] | null): string {
  const list = devices === null || devices.length === 0 ? '' : ` (available: ${devices.join(', ')})`;
  return `no such capture interface "${device}"${list}; see msnsniff interfaces`;
}

/** An exception's message, or the thrown value as a string when it is no Error. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
