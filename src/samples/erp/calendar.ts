/**
 * Dates as day numbers (days since 1970-01-01, UTC), because the generator adds and compares
 * days millions of times and Date objects would dominate the run time.
 */

const MS_PER_DAY = 86_400_000;

export function dayNumber(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) / MS_PER_DAY;
}

/** Formats a day number as `YYYY-MM-DD`. */
export function isoDate(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Formats a day number as the German `DD.MM.YYYY`. */
export function germanDate(day: number): string {
  const iso = isoDate(day);
  return `${iso.slice(8, 10)}.${iso.slice(5, 7)}.${iso.slice(0, 4)}`;
}

/** Formats a day number and seconds after midnight as `YYYY-MM-DD HH:MM:SS`. */
export function timestampText(day: number, secondOfDay: number): string {
  const hours = Math.floor(secondOfDay / 3600);
  const minutes = Math.floor((secondOfDay % 3600) / 60);
  const seconds = secondOfDay % 60;
  return `${isoDate(day)} ${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}`;
}

export function yearOf(day: number): number {
  return new Date(day * MS_PER_DAY).getUTCFullYear();
}

/** Returns 0 for Sunday to 6 for Saturday. */
export function weekdayOf(day: number): number {
  // 1970-01-01 was a Thursday.
  return (((day + 4) % 7) + 7) % 7;
}

function pad2(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}
