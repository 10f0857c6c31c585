import { isAxiosError } from 'axios'
import { t } from './i18n'

/** Error codes of the customer API (docs/api.md), plus the client's own for transport failures. */
export type ApiErrorCode =
  | 'VALIDATION_ERROR'
  | 'OUTSIDE_BUSINESS_HOURS'
  | 'SMS_COOLDOWN'
  | 'SMS_DAILY_LIMIT'
  | 'SMS_CODE_INVALID'
  | 'SMS_CODE_EXPIRED'
  | 'SMS_CODE_EXHAUSTED'
  | 'CAPTCHA_INVALID'
  | 'CAPTCHA_EXPIRED'
  | 'CREDENTIALS_INVALID'
  | 'LOGIN_LOCKED'
  | 'ACCOUNT_RESTRICTED'
  | 'RATE_LIMITED'
  | 'NOT_SIGNED_IN'
  | 'SESSION_EXPIRED'
  | 'CSRF_FAILED'
  | 'CASE_ALREADY_ACTIVE'
  | 'NO_ACTIVE_CASE'
  | 'CASE_STEP_OUT_OF_ORDER'
  | 'CASE_EXPIRED'
  | 'IDEMPOTENCY_KEY_REQUIRED'
  | 'IDEMPOTENCY_KEY_CONFLICT'
  | 'IDEMPOTENCY_IN_PROGRESS'
  | 'TASK_NOT_FOUND'
  | 'FACE_CONSENT_REQUIRED'
  | 'FACE_NOTICE_OUTDATED'
  | 'FACE_ATTEMPTS_EXHAUSTED'
  | 'FACE_NONCE_INVALID'
  | 'FACE_NONCE_EXPIRED'
  | 'FACE_NONCE_REUSED'
  | 'FACE_CLIP_INVALID'
  | 'FACE_CLIP_TOO_LARGE'
  | 'FACE_NO_ATTEMPT'
  | 'IMAGE_TYPE_UNSUPPORTED'
  | 'IMAGE_UNDECODABLE'
  | 'IMAGE_TOO_MANY_PIXELS'
  | 'IMAGE_TOO_LARGE'
  | 'IDCARD_NOT_READY'
  | 'IDCARD_NUMBER_INVALID'
  | 'IDCARD_BIRTH_MISMATCH'
  | 'IDCARD_SEX_MISMATCH'
  | 'IDCARD_NUMBER_CHANGED'
  | 'IDCARD_NAME_CHANGED'
  | 'IDCARD_EXPIRED'
  | 'IDCARD_NOT_NEWER'
  | 'UPDATE_PERIOD_RULE'
  | 'UPDATE_END_DAY'
  | 'UPDATE_EXPIRED'
  | 'UPDATE_NOT_NEWER'
  | 'UPDATE_START_IN_FUTURE'
  | 'AGREEMENT_NOT_SCROLLED'
  | 'AGREEMENT_TOO_FAST'
  | 'AGREEMENT_VERSION_OUTDATED'
  | 'AGREEMENTS_NOT_READ'
  | 'SIGNATURE_EMPTY'
  | 'SIGNATURE_TOO_SMALL'
  | 'SIGNATURE_TOO_COMPLEX'
  | 'SIGNATURE_INVALID'
  | 'NO_CASE'
  | 'CASE_NOT_RETURNED'
  // Client-side: no answer at all, or an answer that is not the API's error shape.
  | 'NETWORK_ERROR'
  | 'TIMEOUT'
  | 'HTTP_ERROR'
  // Any code a newer server may add.
  | (string & {})

/** The body of every API error: `{code, message, retryable, fields, detail}`. */
export interface ApiErrorBody {
  code: string
  message: string
  retryable: boolean
  fields: Record<string, string> | null
  detail: Record<string, unknown> | null
}

export class ApiError extends Error {
  readonly code: ApiErrorCode
  /** HTTP status; 0 when no answer came back (network failure, timeout). */
  readonly status: number
  readonly retryable: boolean
  readonly fields: Record<string, string> | null
  readonly detail: Record<string, unknown> | null

  constructor(status: number, body: ApiErrorBody) {
    super(body.message)
    this.name = 'ApiError'
    this.status = status
    this.code = body.code
    this.retryable = body.retryable
    this.fields = body.fields
    this.detail = body.detail
  }

  /** A number from `detail`, e.g. `retry_after` or `attempts_left`. */
  detailNumber(name: string): number | undefined {
    const value = this.detail?.[name]
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined
  }
}

/** Codes after which the customer must sign in again. */
export const AUTH_LOST_CODES: ReadonlySet<string> = new Set(['NOT_SIGNED_IN', 'SESSION_EXPIRED'])

export function isApiError(error: unknown, code?: ApiErrorCode): error is ApiError {
  return error instanceof ApiError && (code === undefined || error.code === code)
}

function isErrorBody(data: unknown): data is ApiErrorBody {
  if (typeof data !== 'object' || data === null) return false
  const body = data as Record<string, unknown>
  return typeof body.code === 'string' && typeof body.message === 'string'
}

/** Turns whatever axios rejected with into an ApiError with a message the customer can read. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error
  if (isAxiosError(error)) {
    const response = error.response
    if (response && isErrorBody(response.data)) {
      const data = response.data
      return new ApiError(response.status, {
        code: data.code,
        message: data.message,
        retryable: data.retryable ?? false,
        fields: data.fields ?? null,
        detail: data.detail ?? null,
      })
    }
    if (response) {
      // A gateway page or an empty body: no code to switch on.
      const server = response.status >= 500
      return new ApiError(response.status, {
        code: 'HTTP_ERROR',
        message: t(server ? 'error.server' : 'error.unknown'),
        retryable: server,
        fields: null,
        detail: null,
      })
    }
    const timedOut = error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT'
    return new ApiError(0, {
      code: timedOut ? 'TIMEOUT' : 'NETWORK_ERROR',
      message: t(timedOut ? 'error.timeout' : 'error.network'),
      retryable: true,
      fields: null,
      detail: null,
    })
  }
  return new ApiError(0, {
    code: 'NETWORK_ERROR',
    message: t('error.unknown'),
    retryable: true,
    fields: null,
    detail: null,
  })
}
