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

/** A step the back office asked the customer to do again (需补充). */
export interface RedoStep {
  number: number
  title: string
}

/** The back office's decision as the customer reads it (docs/api.md, `GET /api/cases/latest`). */
export interface CaseOutcome {
  /** Reason labels in Chinese, e.g. 身份证照片不清晰或不完整. */
  reasons: string[]
  note: string
  /** 需补充: the steps to do again, in order. */
  redo_steps: RedoStep[]
  /** 需补充: the first of them, where 去补充 leads. */
  redo_step: { number: number; key: string } | null
  decided_at?: string | null
  /** 未通过: true when a new application may be made online; false: 营业部办理. */
  can_reapply: boolean
}

/**
 * A document the customer signed for a case. `download_url` needs the signed-in session (the
 * H5's cookie); `link_url` works without one until `link_expires_at` (5 minutes), for app
 * clients whose PDF viewer cannot send the bearer token.
 */
export interface CaseDocument {
  key: string
  /** 《客户账户信息变更申请书》 */
  title: string
  /** SHA-256 of the signed PDF (hex). */
  sha256: string
  signed_at: string
  /** `/api/cases/{reference}/documents/{key}.pdf` */
  download_url: string
  /** `/api/documents/{token}` */
  link_url: string
  link_expires_at: string
}

/** The customer's most recent case in any state, with the decision once there is one. */
export interface CaseStatusOut extends CaseOut {
  closed_at?: string | null
  outcome: CaseOutcome | null
  /** Approved: the renewal lifted the last trading restriction (证件过期限制). */
  trading_restored?: boolean
  /** Approved, for a restricted account: what happened to trading (Chinese), else null. */
  trading_message?: string | null
  /** The documents signed for the case (newest signature); empty before signing. */
  documents?: CaseDocument[]
}

/** One case of 我的办理记录 (`GET /api/cases`). */
export interface CaseRecord extends CaseStatusOut {
  documents: CaseDocument[]
}

/** One decision of the back office as the customer reads it. */
export interface CaseDecision {
  kind: 'approve' | 'auto_approve' | 'reject' | 'return' | (string & {})
  /** 已通过 / 未通过 / 需补充材料 */
  label: string
  reasons: string[]
  note: string
  decided_at: string
}

/** One case of 我的办理记录 with every decision on it, oldest first (`GET /api/cases/{reference}`). */
export interface CaseRecordDetail extends CaseRecord {
  decisions: CaseDecision[]
}

/** States in which the case is still the customer's open case (`GET /api/cases/current`). */
export const ACTIVE_STATES: ReadonlySet<CaseState> = new Set<CaseState>([
  'started',
  'face_passed',
  'idcard_read',
  'identity_confirmed',
  'update_confirmed',
  'agreements_read',
  'signed',
  'submitted',
  'returned',
])

/** The most recent case, any state (the status page after a decision); 404 NO_CASE without one. */
export async function getLatestCase(options?: RequestOptions): Promise<CaseStatusOut> {
  const { data } = await request.get<CaseStatusOut>('/cases/latest', options)
  return data
}

/** 去补充: a returned case goes back to the first step to redo; 409 CASE_NOT_RETURNED otherwise. */
export async function redoCase(idempotencyKey: string, options?: RequestOptions): Promise<CaseOut> {
  const { data } = await request.post<CaseOut>(
    '/cases/current/redo',
    {},
    { ...options, headers: idempotencyHeaders(idempotencyKey) },
  )
  return data
}

/** 我的办理记录: every case of the signed-in customer, newest first. */
export async function listCaseRecords(options?: RequestOptions): Promise<CaseRecord[]> {
  const { data } = await request.get<{ cases: CaseRecord[] }>('/cases', options)
  return data.cases
}

/** One case of the customer's by reference; 404 CASE_NOT_FOUND for an unknown (or another's) one. */
export async function getCaseRecord(reference: string, options?: RequestOptions): Promise<CaseRecordDetail> {
  const { data } = await request.get<CaseRecordDetail>(`/cases/${encodeURIComponent(reference)}`, options)
  return data
}
