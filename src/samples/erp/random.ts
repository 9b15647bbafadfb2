/**
 * Seeded pseudo-random numbers for the ERP sample. The generator adds a Weyl constant to a
 * 32-bit state and scrambles the sum with the murmur3 finaliser, so equal seeds give equal
 * sequences on every platform (only 32-bit integer arithmetic via Math.imul is used).
 * It is fast and well spread, not cryptographically secure.
 */

const GOLDEN_RATIO_32 = 0x9e3779b9;

/** Scrambles a 32-bit integer so that nearby inputs give unrelated outputs. */
export function scramble32(value: number): number {
  let z = value >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Derives a 32-bit seed from a base seed and a list of integers, for example
 * (seed, stream number, row index). Each row then has its own generator, so a table can be
 * generated again for a later table (ORDER_ITEMS repeats the ORDERS rows) without storing it.
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let hash = scramble32(seed ^ 0x5bd1e995);
  for (const part of parts) {
    // Split values above 2^32 (row indexes at large scales stay below, but keep it exact).
    hash = scramble32((hash + GOLDEN_RATIO_32 + (part >>> 0)) >>> 0);
    hash = scramble32((hash ^ Math.floor(part / 0x1_0000_0000)) >>> 0);
  }
  return hash;
}

export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Returns the next unsigned 32-bit integer. */
  nextUint32(): number {
    this.state = (this.state + GOLDEN_RATIO_32) >>> 0;
    return scramble32(this.state);
  }

  /** Returns a float in [0, 1). */
  next(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** Returns an integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Returns true with the given probability. */
  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) {
      throw new RangeError('cannot pick from an empty list');
    }
    return item;
  }

  /** Picks an item with probability proportional to its weight. */
  pickWeighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((sum, [, weight]) => sum + weight, 0);
    let threshold = this.next() * total;
    for (const [item, weight] of items) {
      threshold -= weight;
      if (threshold < 0) {
        return item;
      }
    }
    const last = items[items.length - 1];
    if (last === undefined) {
      throw new RangeError('cannot pick from an empty list');
    }
    return last[0];
  }

  /** Returns a string of `length` decimal digits, leading zeros allowed. */
  digits(length: number): string {
    let text = '';
    for (let index = 0; index < length; index += 1) {
      text += String(this.int(0, 9));
    }
    return text;
  }
}
