/**
 * Formatting shared by the views: sizes, versions, durations.
 */

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** 1536 -> "1.5 KB" (powers of 1024; whole bytes below 1 KB). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) {
    return '—';
  }
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** "2026-11-23T08.00.00.000Z" -> "2026-11-23 08:00:00 UTC" (other text unchanged). */
export function formatVersion(version: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2})\.(\d{2})\.(\d{2})\.\d{3}Z$/.exec(
    version
  );
  return match
    ? `${match[1]} ${match[2]}:${match[3]}:${match[4]} UTC`
    : version;
}

/** Seconds -> "850 ms", "12.3 s", "4 min 05 s", "2 h 03 min". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) {
    return '—';
  }
  if (seconds < 1) {
    return `${Math.round(seconds * 1000)} ms`;
  }
  if (seconds < 60) {
    return `${seconds.toFixed(1)} s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes} min ${String(Math.floor(seconds % 60)).padStart(2, '0')} s`;
  }
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** The markdown that shows a code cell with syntax highlighting (fence longer than any inside). */
export function codeAsMarkdown(source: string): string {
  const longestFence = Math.max(
    2,
    ...(source.match(/`{3,}/g) ?? []).map(fence => fence.length)
  );
  const fence = '`'.repeat(longestFence + 1);
  return `${fence}python\n${source}\n${fence}`;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/**
 * An ISO timestamp in local time, short: "14:05:09" today, "2026-11-23 14:05" otherwise
 * ('—' when missing or unreadable).
 */
export function formatTime(
  iso: string | null | undefined,
  now: Date = new Date()
): string {
  if (!iso) {
    return '—';
  }
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) {
    return iso;
  }
  const day = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  const today = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
  const time = `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  return day === today ? `${time}:${pad(date.getSeconds())}` : `${day} ${time}`;
}
