import { idempotencyHeaders, type RequestOptions, request } from '@/utils/request'
import type { Narrow, Schemas } from './contract'

/** A case's `state` (the schema says only `string`; these are the values of `cases.models.CaseState`). */
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

/**
 * A case: `current_step` (3–10) is the step the customer is on; `submitted_at` is set once the
 * customer submitted it (step 10).
 */
export type CaseOut = Narrow<Schemas['CaseOut'], { state: CaseState }>

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
export type RedoStep = Schemas['RedoStepOut']

/**
 * The back office's decision as the customer reads it (`GET /api/cases/latest`): `reasons` are
 * labels in Chinese (身份证照片不清晰或不完整 …); 需补充: `redo_steps` to do again in order and
 * `redo_step`, the first of them, where 去补充 leads; 未通过: `can_reapply` true when a new
 * application may be made online, false: 营业部办理.
 */
export type CaseOutcome = Schemas['OutcomeOut']

/**
 * A document the customer signed for a case. `download_url` needs the signed-in session (the
 * H5's cookie); `link_url` works without one until `link_expires_at` (5 minutes), for app
 * clients whose PDF viewer cannot send the bearer token. `sha256` of the signed PDF (hex).
 */
export type CaseDocument = Schemas['CaseDocumentOut']

/**
 * The customer's most recent case in any state, with the decision once there is one.
 * Approved: `trading_restored` when the renewal lifted the last trading restriction
 * (证件过期限制), `trading_message` what happened to trading for a restricted account.
 * `documents`: those signed for the case (newest signature); empty before signing.
 */
export type CaseStatusOut = Narrow<Schemas['CaseStatusOut'], { state: CaseState }>

/** One case of 我的办理记录 (`GET /api/cases`). */
export type CaseRecord = Narrow<Schemas['CaseRecordOut'], { state: CaseState }>

/** One decision of the back office as the customer reads it (`label`: 已通过 / 未通过 / 需补充材料). */
export type CaseDecision = Narrow<
  Schemas['DecisionOut'],
  { kind: 'approve' | 'auto_approve' | 'reject' | 'return' | (string & {}) }
>

/** One case of 我的办理记录 with every decision on it, oldest first (`GET /api/cases/{reference}`). */
export type CaseRecordDetail = Narrow<Schemas['CaseRecordDetailOut'], { state: CaseState; decisions: CaseDecision[] }>

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
  const { data } = await request.get<Narrow<Schemas['CaseRecordsOut'], { cases: CaseRecord[] }>>('/cases', options)
  return data.cases
}

/** One case of the customer's by reference; 404 CASE_NOT_FOUND for an unknown (or another's) one. */
export async function getCaseRecord(reference: string, options?: RequestOptions): Promise<CaseRecordDetail> {
  const { data } = await request.get<CaseRecordDetail>(`/cases/${encodeURIComponent(reference)}`, options)
  return data
}
