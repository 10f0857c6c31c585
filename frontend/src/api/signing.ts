import { idempotencyHeaders, type RequestOptions, request } from '@/utils/request'
import type { CaseOut, CaseState } from './cases'
import type { TaskAccepted } from './tasks'

/**
 * Steps 7–9 (阅读协议, 签署协议, 签署完成): `/api/cases/current/{agreements,signature,documents,submit}`
 * (docs/api.md, "Steps 7–9: agreements, signature, signed documents").
 */
const BASE = '/cases/current'

/** A signature's strokes on a slow mobile link. */
const SIGNATURE_UPLOAD_TIMEOUT = 60_000

export type AgreementKey = 'change_application' | 'digital_certificate' | (string & {})

/** One agreement, as rendered for this case (the ID number masked), in its current version. */
export interface AgreementOut {
  key: AgreementKey
  /** 《客户账户信息变更申请书》 */
  title: string
  version: string
  content_hash: string
  paragraphs: string[]
  read: boolean
}

export interface AgreementsOut {
  agreements: AgreementOut[]
  all_read: boolean
  /** How long an agreement must stay open before 已阅读 is accepted. */
  min_read_seconds: number
}

/** Audit events of one reading (per agreement and version). */
export type AgreementEvent = 'opened' | 'scrolled_to_end' | 'closed'

export interface AgreementEventIn {
  version: string
  event: AgreementEvent
  /** Milliseconds since the agreement was opened (0 for `opened`). */
  elapsed_ms: number
}

export interface AgreementReadOut {
  key: AgreementKey
  read: true
  all_read: boolean
}

/** One point of a stroke, in the pad's CSS pixels; `t` in milliseconds (Unix epoch). */
export interface StrokePoint {
  x: number
  y: number
  t: number
}

export type Stroke = StrokePoint[]

/**
 * The signature is its strokes: the server draws the image put into the agreements from them
 * (at most 60 strokes, 2,000 points in a stroke and 5,000 in all; more is refused with
 * SIGNATURE_TOO_COMPLEX). `width` × `height` is the pad's size in CSS pixels.
 */
export interface SignatureIn {
  strokes: Stroke[]
  width: number
  height: number
}

export interface SignedDocumentOut {
  key: AgreementKey
  title: string
  /** SHA-256 of the signed PDF (hex). */
  sha256: string
  signed_at: string
  /** The customer's own signed PDF (`GET /api/cases/current/documents/{key}.pdf`). */
  download_url: string
}

/** The signing task's `result`, and `GET /documents`. */
export interface SignedOut {
  documents: SignedDocumentOut[]
  case_state: CaseState
}

export async function getAgreements(options?: RequestOptions): Promise<AgreementsOut> {
  const { data } = await request.get<AgreementsOut>(`${BASE}/agreements`, options)
  return data
}

/** Records `opened`, `scrolled_to_end` or `closed` for the audit trail. */
export async function postAgreementEvent(
  key: AgreementKey,
  input: AgreementEventIn,
  idempotencyKey: string,
  options?: RequestOptions,
): Promise<{ recorded: true }> {
  const { data } = await request.post<{ recorded: true }>(
    `${BASE}/agreements/${encodeURIComponent(key)}/events`,
    input,
    { ...options, headers: idempotencyHeaders(idempotencyKey) },
  )
  return data
}

/**
 * 已阅读. Refusals: AGREEMENT_NOT_SCROLLED (the end was never reached), AGREEMENT_TOO_FAST
 * (`detail.seconds_left`), AGREEMENT_VERSION_OUTDATED (a new version was published: reload).
 */
export async function markAgreementRead(
  key: AgreementKey,
  version: string,
  idempotencyKey: string,
  options?: RequestOptions,
): Promise<AgreementReadOut> {
  const { data } = await request.post<AgreementReadOut>(
    `${BASE}/agreements/${encodeURIComponent(key)}/read`,
    { version },
    { ...options, headers: idempotencyHeaders(idempotencyKey) },
  )
  return data
}

/** 下一步: the case moves to step 8; 409 AGREEMENTS_NOT_READ while one is unread. */
export async function finishAgreements(idempotencyKey: string, options?: RequestOptions): Promise<CaseOut> {
  const { data } = await request.post<CaseOut>(
    `${BASE}/agreements/done`,
    {},
    { ...options, headers: idempotencyHeaders(idempotencyKey) },
  )
  return data
}

/**
 * 确认提交: 202 with the signing task (its `result` is `SignedOut`; the case moves to step 9).
 * Refusals at once: SIGNATURE_EMPTY, SIGNATURE_TOO_SMALL, SIGNATURE_TOO_COMPLEX, SIGNATURE_INVALID.
 */
export async function submitSignature(
  input: SignatureIn,
  idempotencyKey: string,
  options?: RequestOptions,
): Promise<TaskAccepted> {
  const { data } = await request.post<TaskAccepted>(`${BASE}/signature`, input, {
    timeout: SIGNATURE_UPLOAD_TIMEOUT,
    ...options,
    headers: idempotencyHeaders(idempotencyKey),
  })
  return data
}

export async function getDocuments(options?: RequestOptions): Promise<SignedOut> {
  const { data } = await request.get<SignedOut>(`${BASE}/documents`, options)
  return data
}

/** 确定 on step 9: the case moves to `submitted` (step 10, 提交完成 等待办理). */
export async function submitCase(idempotencyKey: string, options?: RequestOptions): Promise<CaseOut> {
  const { data } = await request.post<CaseOut>(
    `${BASE}/submit`,
    {},
    { ...options, headers: idempotencyHeaders(idempotencyKey) },
  )
  return data
}
