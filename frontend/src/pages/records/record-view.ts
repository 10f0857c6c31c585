import type { CaseRecord, CaseState } from '@/api/cases'

/** Vant tag types for a case's state in 我的办理记录. */
export type RecordTone = 'success' | 'danger' | 'warning' | 'primary' | 'default'

export function recordTone(state: CaseState): RecordTone {
  switch (state) {
    case 'approved':
      return 'success'
    case 'rejected':
      return 'danger'
    case 'returned':
      return 'warning'
    case 'cancelled':
    case 'expired':
      return 'default'
    default:
      return 'primary'
  }
}

/** The time a record is best known by: decided, else submitted, else started (with its label key). */
export function recordTime(record: CaseRecord): { labelKey: string; at: string } {
  const decided = record.outcome?.decided_at
  if (decided) return { labelKey: 'records.decidedAt', at: decided }
  if (record.submitted_at) return { labelKey: 'records.submittedAt', at: record.submitted_at }
  return { labelKey: 'records.createdAt', at: record.created_at }
}
