import { idempotencyHeaders, type RequestOptions, request } from '@/utils/request'

export type CaseState =
  | 'started'
  | 'face_passed'
  | 'idcard_read'
  | 'identity_confirmed'
  | 'update_confirmed'
  | 'agreements_read'
  | 'signed'
  | 'submitted'
  | 'returned'
  | 'approved'
  | 'rejected'
  | 'cancelled'
  | 'expired'

export interface CaseOut {
  id: string
  reference: string
  state: CaseState
  state_label: string
  /** 3–10: the step the customer is on */
  current_step: number
  step_key: string
  created_at: string
  expires_at: string
  /**
   * When the customer submitted the case (step 10). Not in docs/api.md's CaseOut yet: shown
   * when a server sends it.
   */
  submitted_at?: string | null
}

export function isCaseOut(value: unknown): value is CaseOut {
  if (typeof value !== 'object' || value === null) return false
  const c = value as Record<string, unknown>
  return typeof c.id === 'string' && typeof c.reference === 'string' && typeof c.current_step === 'number'
}

/** Starts a renewal case: 201 CaseOut, or 409 CASE_ALREADY_ACTIVE with `detail.case`. */
export async function createCase(idempotencyKey: string, options?: RequestOptions): Promise<CaseOut> {
  const { data } = await request.post<CaseOut>('/cases', {}, { ...options, headers: idempotencyHeaders(idempotencyKey) })
  return data
}

/** The open case; 404 NO_ACTIVE_CASE when there is none. */
export async function getCurrentCase(options?: RequestOptions): Promise<CaseOut> {
  const { data } = await request.get<CaseOut>('/cases/current', options)
  return data
}

/** Gives up the open case (its state becomes `cancelled`). */
export async function cancelCurrentCase(idempotencyKey: string, options?: RequestOptions): Promise<CaseOut> {
  const { data } = await request.post<CaseOut>(
    '/cases/current/cancel',
    {},
    { ...options, headers: idempotencyHeaders(idempotencyKey) },
  )
  return data
}
