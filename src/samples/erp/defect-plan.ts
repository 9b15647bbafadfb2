import { deriveSeed, Random } from './random.js';

/**
 * Places a fixed number of defects of several kinds on the rows 0 … rowCount-1 of a table.
 *
 * The rows are cut into as many equal slots as there are defects, and each slot holds exactly
 * one defect row at a seeded position. The slot's first row never carries the defect, so the row
 * before every defect row is a clean row. A duplicated order number copies that row's number.
 * The plan needs one byte per defect (the shuffled kinds) and no per-row state, so memory stays
 * flat at any scale.
 */
export class DefectPlan<K extends string> {
  private readonly kinds: readonly K[];
  private readonly order: Uint8Array;
  private readonly rowCount: number;
  private readonly seed: number;
  private slot = 0;
  private nextPosition: number;

  /**
   * Throws a RangeError when the defects need more than half of the rows, because every slot
   * needs two rows.
   */
  constructor(rowCount: number, counts: ReadonlyMap<K, number>, seed: number) {
    this.kinds = [...counts.keys()];
    const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
    if (total * 2 > rowCount) {
      throw new RangeError(`${total} defects do not fit into ${rowCount} rows; at most ${Math.floor(rowCount / 2)} do`);
    }
    this.rowCount = rowCount;
    this.seed = seed;

    this.order = new Uint8Array(total);
    let offset = 0;
    this.kinds.forEach((kind, kindIndex) => {
      this.order.fill(kindIndex, offset, offset + (counts.get(kind) ?? 0));
      offset += counts.get(kind) ?? 0;
    });
    const random = new Random(deriveSeed(seed, 0));
    for (let index = total - 1; index > 0; index -= 1) {
      const other = random.int(0, index);
      const swap = this.order[index] ?? 0;
      this.order[index] = this.order[other] ?? 0;
      this.order[other] = swap;
    }
    this.nextPosition = this.positionOf(0);
  }

  /**
   * Returns the defect kind of row `index`, or undefined for a clean row. Rows must be asked in
   * increasing order, each once, as a table generator walks them.
   */
  kindAt(index: number): K | undefined {
    if (this.slot >= this.order.length || index !== this.nextPosition) {
      return undefined;
    }
    const kind = this.kinds[this.order[this.slot] ?? 0];
    this.slot += 1;
    this.nextPosition = this.slot < this.order.length ? this.positionOf(this.slot) : -1;
    return kind;
  }

  private positionOf(slot: number): number {
    const total = this.order.length;
    if (total === 0) {
      return -1;
    }
    const start = Math.floor((slot * this.rowCount) / total);
    const end = Math.floor(((slot + 1) * this.rowCount) / total);
    const random = new Random(deriveSeed(this.seed, 1, slot));
    return start + 1 + Math.floor(random.next() * (end - start - 1));
  }
}
