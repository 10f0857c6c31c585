import axios, { type AxiosRequestConfig } from 'axios'
import { showToast } from 'vant'
import { AUTH_LOST_CODES, type ApiError, toApiError } from './api-error'

/**
 * Per-request switch for the error toast: `true` for calls whose failure is expected and
 * handled by the caller (e.g. probing the session), or a predicate for single codes.
 */
export type SilentOption = boolean | ((error: ApiError) => boolean)

declare module 'axios' {
  interface AxiosRequestConfig {
    silent?: SilentOption
  }
}

export type RequestOptions = Pick<AxiosRequestConfig, 'silent' | 'timeout' | 'signal'>

export const API_BASE_URL = import.meta.env.VITE_APP_API_BASE_URL || '/api'

/** The one axios instance of the app: cookie session, Django's CSRF cookie and header. */
export const request = axios.create({
  baseURL: API_BASE_URL,
  timeout: 15_000,
  withCredentials: true,
  xsrfCookieName: 'csrftoken',
  xsrfHeaderName: 'X-CSRFToken',
  headers: { Accept: 'application/json' },
})

type AuthLostHandler = (error: ApiError) => void
let authLostHandler: AuthLostHandler | undefined

/** Called after a NOT_SIGNED_IN / SESSION_EXPIRED answer (the router sends the customer to /login). */
export function setAuthLostHandler(handler: AuthLostHandler | undefined): void {
  authLostHandler = handler
}

/** What every API error does: its `message` in a toast, and a new sign-in when the session is gone. */
export function reportApiError(error: ApiError): void {
  showToast({ message: error.message, duration: 3000, wordBreak: 'break-word' })
  if (AUTH_LOST_CODES.has(error.code)) authLostHandler?.(error)
}

function isSilent(silent: SilentOption | undefined, error: ApiError): boolean {
  return typeof silent === 'function' ? silent(error) : silent === true
}

request.interceptors.response.use(undefined, (raw: unknown) => {
  const error = toApiError(raw)
  const config = axios.isAxiosError(raw) ? raw.config : undefined
  if (!isSilent(config?.silent, error)) reportApiError(error)
  return Promise.reject(error)
})

export function idempotencyHeaders(key: string): Record<string, string> {
  return { 'Idempotency-Key': key }
}
