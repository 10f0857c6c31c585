import type { AxiosProgressEvent } from 'axios'
import { idempotencyHeaders, type RequestOptions, request } from '@/utils/request'
import type { CaseOut } from './cases'
import type { Narrow, Schemas } from './contract'
import type { TaskAccepted } from './tasks'

/**
 * Steps 4–6 (身份证OCR识别, 身份信息确认, 证件更新): `/api/cases/current/{idcard,identity,update}`
 * (src/idrenew/idcard/api.py; docs/api.md, "Steps 4–6: ID card").
 */
const BASE = '/cases/current'

/** An ID-card photo on a slow mobile link, and the OCR behind it when there are no workers. */
const IMAGE_UPLOAD_TIMEOUT = 90_000

/** `front` = 人像面 (portrait side), `back` = 国徽面 (emblem side). */
export type IdCardSide = 'front' | 'back'

export const ID_CARD_SIDES: readonly IdCardSide[] = ['front', 'back']

/**
 * A quality or consistency finding of one photo: a stable `code` (`IDCARD_EDGE_CUT`,
 * `IDCARD_GLARE`, `IDCARD_BLUR` …), a Chinese `message` (for a blocking warning it says how to
 * retake the photo), and `blocking`: the customer must retake the photo (otherwise it goes to
 * the reviewer).
 */
export type IdCardWarning = Schemas['WarningOut']

/** Fields read from the portrait side (人像面); dates `YYYY-MM-DD`, the ID number's first 6 and last 4 digits. */
export interface IdCardFrontFields {
  name?: string
  sex?: string
  ethnicity?: string
  birth_date?: string
  address?: string
  id_number_masked?: string
}

/** Fields read from the emblem side (国徽面); dates `YYYY-MM-DD`, `valid_to` null for 长期. */
export interface IdCardBackFields {
  issuer?: string
  valid_from?: string
  valid_to?: string | null
  long_term?: boolean
}

/**
 * One side as last uploaded (the upload task's `result`); `accepted` is false when a blocking
 * warning says the customer must retake. The schema types `fields` as any object: these are
 * the fields the OCR reads.
 */
export type IdCardSideOut = Narrow<
  Schemas['IdCardSideOut'],
  { side: IdCardSide; fields: IdCardFrontFields & IdCardBackFields }
>

/** Both sides as last uploaded; `ready` when both are accepted. */
export type IdCardOut = Narrow<Schemas['IdCardStateOut'], { front: IdCardSideOut | null; back: IdCardSideOut | null }>

/** The card portrait against the customer's face; a mismatch is for the reviewer, not a refusal. */
export type FaceMatchOut = Schemas['FaceMatchOut']

/** The identity as read from both sides (step 5); dates `YYYY-MM-DD`, `valid_to` null for 长期. */
export type IdentityOut = Schemas['IdentityOut']

/** What was read from the card (step 6 shows the customer's edit beside it). */
export type UpdateOcrOut = Schemas['OcrValuesOut']

/** Step 6 (证件更新信息确认): the values to show (the last edit, else what was read; `id_type` 居民身份证). */
export type UpdateOut = Schemas['UpdateOut']

/** Dates `YYYY-MM-DD`; `valid_to` null when `long_term`. */
export type UpdateIn = Schemas['UpdateIn']

export interface IdCardImageIn {
  image: Blob
  /** `front.jpg` …: the server sniffs the bytes, the name helps logs and proxies. */
  filename: string
}

export interface UploadOptions extends RequestOptions {
  onProgress?: (percent: number) => void
}

/**
 * Uploads one side (multipart `image`); 202 with the OCR task to poll. File refusals come at
 * once: 400 IMAGE_TYPE_UNSUPPORTED / IMAGE_UNDECODABLE / IMAGE_TOO_MANY_PIXELS, 413 IMAGE_TOO_LARGE.
 */
export async function uploadIdCardSide(
  side: IdCardSide,
  input: IdCardImageIn,
  idempotencyKey: string,
  options: UploadOptions = {},
): Promise<TaskAccepted> {
  const { onProgress, ...rest } = options
  const form = new FormData()
  form.append('image', input.image, input.filename)
  const { data } = await request.post<TaskAccepted>(`${BASE}/idcard/${side}`, form, {
    timeout: IMAGE_UPLOAD_TIMEOUT,
    ...rest,
    headers: idempotencyHeaders(idempotencyKey),
    onUploadProgress: onProgress
      ? (event: AxiosProgressEvent) => {
          if (event.total) onProgress(Math.min(100, Math.round((event.loaded / event.total) * 100)))
        }
      : undefined,
  })
  return data
}

/** Both sides as last uploaded (a retake of one side keeps the other). */
export async function getIdCard(options?: RequestOptions): Promise<IdCardOut> {
  const { data } = await request.get<IdCardOut>(`${BASE}/idcard`, options)
  return data
}

/**
 * Checks both sides against the rules and the record on file; the case moves to step 5.
 * Refusals: IDCARD_NOT_READY, IDCARD_NUMBER_INVALID, IDCARD_BIRTH_MISMATCH, IDCARD_SEX_MISMATCH,
 * IDCARD_NUMBER_CHANGED / IDCARD_NAME_CHANGED (a different business: at a branch),
 * IDCARD_EXPIRED, IDCARD_NOT_NEWER.
 */
export async function confirmIdCard(idempotencyKey: string, options?: RequestOptions): Promise<IdentityOut> {
  const { data } = await request.post<IdentityOut>(
    `${BASE}/idcard/confirm`,
    {},
    { ...options, headers: idempotencyHeaders(idempotencyKey) },
  )
  return data
}

export async function getIdentity(options?: RequestOptions): Promise<IdentityOut> {
  const { data } = await request.get<IdentityOut>(`${BASE}/identity`, options)
  return data
}

/** 确认无误: the case moves to step 6. */
export async function confirmIdentity(idempotencyKey: string, options?: RequestOptions): Promise<CaseOut> {
  const { data } = await request.post<CaseOut>(
    `${BASE}/identity/confirm`,
    {},
    { ...options, headers: idempotencyHeaders(idempotencyKey) },
  )
  return data
}

/** 信息有误: the case goes back to step 4 to retake the photos. */
export async function retakeIdentity(idempotencyKey: string, options?: RequestOptions): Promise<CaseOut> {
  const { data } = await request.post<CaseOut>(
    `${BASE}/identity/retake`,
    {},
    { ...options, headers: idempotencyHeaders(idempotencyKey) },
  )
  return data
}

export async function getUpdate(options?: RequestOptions): Promise<UpdateOut> {
  const { data } = await request.get<UpdateOut>(`${BASE}/update`, options)
  return data
}

/**
 * 提交: the case moves to step 7. 422 names the rule broken: UPDATE_PERIOD_RULE, UPDATE_END_DAY,
 * UPDATE_EXPIRED, UPDATE_NOT_NEWER, UPDATE_START_IN_FUTURE, VALIDATION_ERROR (`fields`).
 */
export async function submitUpdate(input: UpdateIn, idempotencyKey: string, options?: RequestOptions): Promise<CaseOut> {
  const { data } = await request.post<CaseOut>(`${BASE}/update`, input, {
    ...options,
    headers: idempotencyHeaders(idempotencyKey),
  })
  return data
}

/** The two uploads `POST /demo/idcards` made; each task's `result` is an `IdCardSideOut`. */
export type DemoIdCardsOut = Narrow<Schemas['DemoIdCardsOut'], { front: TaskAccepted; back: TaskAccepted }>

/**
 * Demo only (`MetaOut.demo`): prints the face from step 3 on the signed-in demo customer's
 * renewed card and uploads both sides through the normal path (OCR runs as usual), so the card
 * portrait matches. Refusals: 404 DEMO_DISABLED, 403 DEMO_CUSTOMER_ONLY, 409 DEMO_NO_BEST_FRAME,
 * 409 DEMO_PORTRAIT_NO_FACE.
 */
export async function createDemoIdCards(idempotencyKey: string, options?: RequestOptions): Promise<DemoIdCardsOut> {
  const { data } = await request.post<DemoIdCardsOut>(
    `${BASE}/demo/idcards`,
    {},
    { timeout: IMAGE_UPLOAD_TIMEOUT, ...options, headers: idempotencyHeaders(idempotencyKey) },
  )
  return data
}
