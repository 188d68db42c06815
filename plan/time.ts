/** Strict ISO 8601 times for the command lines: a real calendar date, a time and a zone, nothing else. */

const ISO_TIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The time in a strict ISO 8601 text, or undefined. `Date` alone takes "0" (the year 2000) and rolls
 * 2026-02-30 over to March 2; this takes neither.
 */
export function parseStrictIsoTime(text: string): Date | undefined {
    const match = ISO_TIME_RE.exec(text);
    if (!match) return undefined;
    const [, year, month, day, hour, minute, second = "0"] = match.map((part) => part);
    const y = Number(year);
    const m = Number(month);
    const d = Number(day);
    const daysInMonth = new Date(Date.UTC(y, m, 0)).getUTCDate();
    if (m < 1 || m > 12 || d < 1 || d > daysInMonth || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return undefined;
    const zone = match[8];
    if (zone !== "Z" && (Number(zone.slice(1, 3)) > 23 || Number(zone.slice(4, 6)) > 59)) return undefined;
    const time = new Date(text);
    return Number.isNaN(time.getTime()) ? undefined : time;
}
