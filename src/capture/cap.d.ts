// Types for the part of the `cap` package (libpcap binding, ships no types) that live.ts uses.
// Shapes read from node_modules/cap/src/binding.cc (v0.2.1).

declare module 'cap' {
  import type { EventEmitter } from 'node:events';

  export interface DeviceAddress {
    addr?: string;
    netmask?: string;
    broadaddr?: string;
    dstaddr?: string;
  }

  export interface Device {
    name: string;
    description?: string;
    /** IPv4 and IPv6 addresses only. */
    addresses: DeviceAddress[];
    /** Only ever set to this one value. */
    flags?: 'PCAP_IF_LOOPBACK';
  }

  export class Cap extends EventEmitter {
    /**
     * Opens `device` with snaplen 65535, promiscuous, immediate mode. `buffer` receives every packet
     * (cap keeps a raw pointer to it: the caller must keep it alive until close()). Returns the link
     * type: "ETHERNET", "NULL", "RAW", "LINKTYPE_LINUX_SLL", "IEEE802_11_RADIO" or "Unknown linktype N".
     * Throws with libpcap's message (no such device, permission, filter syntax).
     */
    open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
    /** Stops polling and closes the pcap handle; true if it was open. */
    close(): boolean;
    /** `nbytes` were copied into the open() buffer; `truncated` when the packet was longer than it. */
    on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): this;
    static deviceList(): Device[];
    static findDevice(ip?: string): string | undefined;
  }
}
