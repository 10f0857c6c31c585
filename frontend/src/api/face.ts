import type { AxiosProgressEvent } from 'axios'
import { idempotencyHeaders, type RequestOptions, request } from '@/utils/request'
import type { CaseState } from './cases'
import type { Narrow, Schemas } from './contract'
import type { TaskAccepted } from './tasks'

/** Step 3 (人脸识别): `/api/cases/current/face/…` (src/idrenew/face/api.py). */
const BASE = '/cases/current/face'

/** Uploading a clip on a slow mobile link takes longer than the client's default timeout. */
const CLIP_UPLOAD_TIMEOUT = 120_000

/** Liveness actions the server may ask for (`face/domain/types.py`). */
export type FaceAction = 'blink' | 'open_mouth' | 'turn_left' | 'turn_right' | 'nod' | (string & {})

/** 《人脸识别信息处理告知书》, versioned; `branch_route` says what to do instead (at a branch). */
export type FaceNoticeOut = Schemas['NoticeOut']

export type FaceConsentIn = Schemas['ConsentIn']

export type FaceConsentOut = Schemas['ConsentOut']

/** `message`: the branch route. */
export type FaceDeclineOut = Schemas['DeclineOut']

/** One prompt of the challenge's schedule (请眨眨眼 …), in ms from the start of the recording. */
export type FacePrompt = Narrow<Schemas['PromptOut'], { action: FaceAction }>

/**
 * A liveness challenge. `nonce` is single use: the clip must be uploaded with it within
 * `expires_in` seconds. `prompts` are the Chinese prompts in the order to perform the actions;
 * `schedule` says when to show each: each action must start while its prompt is shown (the
 * server checks it, with some tolerance) and turns or mouth openings at other times fail the
 * attempt. `attempts_left`: challenges left today after this one; `max_clip_seconds`: the
 * longest clip the server accepts.
 */
export type FaceChallengeOut = Narrow<Schemas['ChallengeOut'], { actions: FaceAction[]; schedule: FacePrompt[] }>

export interface FaceClipIn {
  nonce: string
  clip: Blob
  /** `clip.webm` or `clip.mp4`: the server checks the bytes, the name helps logs and proxies. */
  filename: string
  /**
   * How long after the recorder started the first prompt actually appeared (ms). The server
   * accepts it only close to the scheduled time (`FACE_CLIP_TIMING` otherwise).
   */
  promptOffsetMs?: number
}

/** One requested action in an attempt's outcome (the schema types these rows as any object). */
export interface FaceActionResult {
  action: FaceAction
  passed: boolean
  /** First and last frame of the detected action. */
  frames: [number, number] | null
  /** Seconds into the clip at which the action started. */
  at?: number | null
}

/** Why an attempt failed: a stable code and what the customer should do (Chinese). */
export type FaceFailure = Pick<Schemas['ErrorOut'], 'code' | 'message'>

export type FaceAttemptStatus = 'pending' | 'passed' | 'failed'

/** The outcome of one clip (the face task's `result`, and `GET /attempts/latest`). */
export type FaceAttemptOut = Narrow<
  Schemas['AttemptOut'],
  { status: FaceAttemptStatus; actions: FaceActionResult[]; failures: FaceFailure[]; case_state: CaseState }
>

export interface UploadOptions extends RequestOptions {
  onProgress?: (percent: number) => void
}

export async function getFaceNotice(options?: RequestOptions): Promise<FaceNoticeOut> {
  const { data } = await request.get<FaceNoticeOut>(`${BASE}/notice`, options)
  return data
}

/** Records consent to that notice version; 409 FACE_NOTICE_OUTDATED when a newer one exists. */
export async function consentToFaceNotice(
  input: FaceConsentIn,
  idempotencyKey: string,
  options?: RequestOptions,
): Promise<FaceConsentOut> {
  const { data } = await request.post<FaceConsentOut>(`${BASE}/consent`, input, {
    ...options,
    headers: idempotencyHeaders(idempotencyKey),
  })
  return data
}

/** Records that the customer declined face recognition; answers the branch route. */
export async function declineFace(idempotencyKey: string, options?: RequestOptions): Promise<FaceDeclineOut> {
  const { data } = await request.post<FaceDeclineOut>(
    `${BASE}/decline`,
    {},
    { ...options, headers: idempotencyHeaders(idempotencyKey) },
  )
  return data
}

/**
 * A liveness challenge. 409 FACE_CONSENT_REQUIRED / FACE_NOTICE_OUTDATED without consent to
 * the current notice; 429 FACE_ATTEMPTS_EXHAUSTED (its message names the branch route).
 */
export async function requestFaceChallenge(idempotencyKey: string, options?: RequestOptions): Promise<FaceChallengeOut> {
  const { data } = await request.post<FaceChallengeOut>(
    `${BASE}/challenge`,
    {},
    { ...options, headers: idempotencyHeaders(idempotencyKey) },
  )
  return data
}

/** Uploads the recording (multipart `nonce` + `clip`); 202 with the analysis task to poll. */
export async function uploadFaceClip(
  input: FaceClipIn,
  idempotencyKey: string,
  options: UploadOptions = {},
): Promise<TaskAccepted> {
  const { onProgress, ...rest } = options
  const form = new FormData()
  form.append('nonce', input.nonce)
  if (input.promptOffsetMs !== undefined) form.append('prompt_offset_ms', String(Math.round(input.promptOffsetMs)))
  form.append('clip', input.clip, input.filename)
  const { data } = await request.post<TaskAccepted>(`${BASE}/clip`, form, {
    timeout: CLIP_UPLOAD_TIMEOUT,
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

/** The case's most recent attempt; 404 FACE_NO_ATTEMPT before the first upload. */
export async function getLatestFaceAttempt(options?: RequestOptions): Promise<FaceAttemptOut> {
  const { data } = await request.get<FaceAttemptOut>(`${BASE}/attempts/latest`, options)
  return data
}
