import { isAxiosError } from 'axios'
import type { ErrorCode } from '@/api/error-codes'
import { t } from './i18n'

/**
 * Error codes of the customer API: generated from the server's error registry
 * (`src/api/error-codes.ts`, `idrenew error-codes --write`), plus the client's own for
 * transport failures (no answer at all). Comparing a code with a string that is not one of
 * them is a type error.
 */
export type ClientErrorCode = 'NETWORK_ERROR' | 'TIMEOUT'
export type ApiErrorCode = ErrorCode | ClientErrorCode

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
    // A newer server may add a code: it still arrives as a string, handled as any other.
    this.code = body.code as ApiErrorCode
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
export const AUTH_LOST_CODES: ReadonlySet<string> = new Set<ApiErrorCode>(['NOT_SIGNED_IN', 'SESSION_EXPIRED'])

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
