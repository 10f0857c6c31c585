/** Dates as ID cards print them. The API speaks ISO `YYYY-MM-DD`. */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/

export interface DateParts {
  year: string
  month: string
  day: string
}

export function isoDateParts(iso: string | null | undefined): DateParts | null {
  const match = iso ? ISO_DATE.exec(iso) : null
  return match ? { year: match[1]!, month: match[2]!, day: match[3]! } : null
}

/** `2016-05-01` → `2016.05.01` (the 有效期限 line of the emblem side). */
export function cardDate(iso: string | null | undefined): string {
  const parts = isoDateParts(iso)
  return parts ? `${parts.year}.${parts.month}.${parts.day}` : (iso ?? '')
}

/** A picker's columns ['2026', '05', '01'] → `2026-05-01`. */
export function fromPickerValue(values: readonly string[]): string {
  const [year = '', month = '', day = ''] = values
  return `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`
}

/** `2026-05-01` → the picker's columns ['2026', '05', '01'] (empty when not a date). */
export function toPickerValue(iso: string | null | undefined): string[] {
  const parts = isoDateParts(iso)
  return parts ? [parts.year, parts.month, parts.day] : []
}

/** A local Date at midnight of `YYYY-MM-DD` (the picker's bounds). */
export function isoToDate(iso: string): Date | null {
  const parts = isoDateParts(iso)
  return parts ? new Date(Number(parts.year), Number(parts.month) - 1, Number(parts.day)) : null
}

/** `date` plus `years` (29 February → 28 February in a common year). */
export function addYears(date: Date, years: number): Date {
  const result = new Date(date.getFullYear() + years, date.getMonth(), 1)
  const lastDay = new Date(result.getFullYear(), result.getMonth() + 1, 0).getDate()
  result.setDate(Math.min(date.getDate(), lastDay))
  return result
}
