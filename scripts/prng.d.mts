/** Numbers in [0, 1) from a 32-bit seed (mulberry32); see prng.mjs. */
export declare function mulberry32(seed: number): () => number;
