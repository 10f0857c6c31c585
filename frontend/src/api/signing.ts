import { idempotencyHeaders, type RequestOptions, request } from '@/utils/request'
import type { CaseOut, CaseState } from './cases'
import type { Narrow, Schemas } from './contract'
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
export type AgreementOut = Narrow<Schemas['AgreementOut'], { key: AgreementKey }>

/** `min_read_seconds`: how long an agreement must stay open before 已阅读 is accepted. */
export type AgreementsOut = Narrow<Schemas['AgreementsOut'], { agreements: AgreementOut[] }>

/** Audit events of one reading (per agreement and version). */
export type AgreementEvent = 'opened' | 'scrolled_to_end' | 'closed'

/** `elapsed_ms`: milliseconds since the agreement was opened (0 for `opened`). */
export type AgreementEventIn = Narrow<Schemas['EventIn'], { event: AgreementEvent }>

export type AgreementReadOut = Narrow<Schemas['ReadOut'], { key: AgreementKey }>

/** One point of a stroke, in the pad's CSS pixels; `t` in milliseconds (Unix epoch). */
export type StrokePoint = Schemas['Point']

export type Stroke = StrokePoint[]

/**
 * The signature is its strokes: the server draws the image put into the agreements from them
 * (at most 60 strokes, 2,000 points in a stroke and 5,000 in all; more is refused with
 * SIGNATURE_TOO_COMPLEX). `width` × `height` is the pad's size in CSS pixels.
 */
export type SignatureIn = Schemas['SignatureIn']

/**
 * A signed document of the open case; `download_url` is the customer's own signed PDF
 * (`GET /api/cases/current/documents/{key}.pdf`), `sha256` the PDF's (hex).
 */
export type SignedDocumentOut = Narrow<Schemas['DocumentOut'], { key: AgreementKey }>

/** The signing task's `result`, and `GET /documents`. */
export type SignedOut = Narrow<Schemas['SignedOut'], { documents: SignedDocumentOut[]; case_state: CaseState }>

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
): Promise<Schemas['RecordedOut']> {
  const { data } = await request.post<Schemas['RecordedOut']>(
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
    { version } satisfies Schemas['ReadIn'],
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
