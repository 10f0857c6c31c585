import { t } from './i18n'

const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000

/**
 * Formats an ISO 8601 instant as Beijing time (the broker's business hours are in
 * Asia/Shanghai, whatever the phone's own time zone), e.g. `2026年11月26日 08:30`.
 */
export function formatBeijingTime(iso: string): string {
  const ms = Date.parse(iso)
  if (Number.isNaN(ms)) return iso
  const d = new Date(ms + SHANGHAI_OFFSET_MS)
  const pad = (n: number) => String(n).padStart(2, '0')
  return t('datetime.format', {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: pad(d.getUTCHours()),
    minute: pad(d.getUTCMinutes()),
  })
}

/** `08:30` → `8:30`, as the broker's guide prints business hours. */
export function formatClock(hhmm: string): string {
  return hhmm.replace(/^0(\d)/, '$1')
}
