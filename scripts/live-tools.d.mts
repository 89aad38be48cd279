/** Packet records (EPBs) in a pcapng file, perhaps still growing; see live-tools.mjs. */
export declare function countRecords(file: string): number;
/** The capture child of the msnsniff process `pid`, or null; see live-tools.mjs. */
export declare function captureChild(pid: number): number | null;
