import { randomBytes } from 'node:crypto';

/**
 * A run id that sorts by start time and is unique across machines: `20261204T201559Z-3fa9c2`.
 * It names folders in the lake, so it holds only letters, digits and a dash.
 */
export function newRunId(startedAt: Date): string {
  const stamp = startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export const RUN_ID_PATTERN = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;
