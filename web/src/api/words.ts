/** Retry-After in words a person reads: "45 seconds", "15 minutes". */

/** Read Retry-After as seconds (the API sends a number of seconds); null if absent or odd. */
export function retryAfterSeconds(header: string | null): number | null {
  if (header === null || !/^\s*\d+\s*$/.test(header)) return null;
  return Number.parseInt(header, 10);
}

export function waitInWords(seconds: number | null): string {
  if (seconds === null || seconds <= 0) return "a moment";
  if (seconds < 60) return plural(seconds, "second");
  // Rounded up: telling someone to come back early only earns another refusal.
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return plural(minutes, "minute");
  return plural(Math.ceil(minutes / 60), "hour");
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}
