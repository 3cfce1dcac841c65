/** Incident ids: `INC-<yyyymmdd>-<n>`, readable, safe as a folder name, sortable with compareIncidentIds. */

const ID = /^INC-(\d{8})-(\d+)$/;

export function datePart(now: Date): string {
  const y = now.getUTCFullYear();
  const m = String(now.getUTCMonth() + 1).padStart(2, '0');
  const d = String(now.getUTCDate()).padStart(2, '0');
  return `${y}${m}${d}`;
}

export function formatIncidentId(now: Date, n: number): string {
  return `INC-${datePart(now)}-${n}`;
}

export function parseIncidentId(id: string): { date: string; n: number } | undefined {
  const m = ID.exec(id);
  return m ? { date: m[1], n: Number(m[2]) } : undefined;
}

/** The next free number for today's date among existing folder names. */
export function nextIncidentNumber(existing: Iterable<string>, now: Date): number {
  const today = datePart(now);
  let max = 0;
  for (const name of existing) {
    const p = parseIncidentId(name);
    if (p && p.date === today && p.n > max) max = p.n;
  }
  return max + 1;
}

/** Orders by date, then number (INC-20261204-10 after INC-20261204-9); other names after, by text. */
export function compareIncidentIds(a: string, b: string): number {
  const pa = parseIncidentId(a);
  const pb = parseIncidentId(b);
  if (pa && pb) return pa.date === pb.date ? pa.n - pb.n : pa.date < pb.date ? -1 : 1;
  if (pa) return -1;
  if (pb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A string is safe to use as one folder name in the store. */
export function isSafeIncidentId(id: unknown): id is string {
  return typeof id === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(id) && !id.includes('..');
}
