/** Short texts shown in the tree and the status bar. Plain functions, tested in plain Node. */
import type { Incident } from '../core/incident/types';

/** "45s", "12m", "1h 05m", "2d 3h". */
export function formatElapsed(fromIso: string, now: Date): string {
  const ms = Math.max(0, now.getTime() - Date.parse(fromIso));
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  const d = Math.floor(h / 24);
  return `${d}d ${h % 24}h`;
}

/** Time of day of an ISO timestamp, as "03:12" in the local zone. */
export function formatClock(iso: string): string {
  const d = new Date(iso);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

export function statusBarText(incident: Incident, now: Date): string {
  const parts = [incident.id, incident.severity ?? 'SEV?', incident.status];
  const since = incident.status === 'resolved' || incident.status === 'closed' ? undefined : formatElapsed(incident.timestamps.declared, now);
  if (since) parts.push(since);
  return parts.join(' · ');
}
