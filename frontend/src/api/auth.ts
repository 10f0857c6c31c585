import { idempotencyHeaders, type RequestOptions, request } from '@/utils/request'
import type { CaseOut } from './cases'

export interface SmsSendIn {
  fund_account: string
  mobile_last4: string
}

export interface SmsSendOut {
  sent: boolean
  /** seconds before another code may be asked for */
  resend_after: number
  /** seconds the code stays valid */
  expires_in: number
}

export interface SmsVerifyIn extends SmsSendIn {
  code: string
}

export interface CaptchaOut {
  captcha_id: string
  /** `data:image/png;base64,…` */
  image: string
  expires_in: number
}

export interface PasswordSignInIn {
  trading_account: string
  password: string
  captcha_id: string
  captcha_code: string
}

export interface CustomerOut {
  name_masked: string
  fund_account: string
  trading_account: string
  id_number_masked: string
  id_valid_from: string
  id_valid_to: string | null
  id_long_term: boolean
}

export interface SessionOut {
  customer: CustomerOut
  case: CaseOut | null
  /** Only for app clients (`client: "app"`); the H5 app uses the HttpOnly cookie. */
  token: string | null
  /** seconds */
  idle_timeout: number
}

/** Asks for an SMS code. The answer is the same whether or not the account and last 4 digits match. */
export async function sendSmsCode(
  input: SmsSendIn,
  idempotencyKey: string,
  options?: RequestOptions,
): Promise<SmsSendOut> {
  const { data } = await request.post<SmsSendOut>('/auth/sms/send', input, {
    ...options,
    headers: idempotencyHeaders(idempotencyKey),
  })
  return data
}

export async function verifySmsCode(input: SmsVerifyIn, options?: RequestOptions): Promise<SessionOut> {
  const { data } = await request.post<SessionOut>('/auth/sms/verify', input, options)
  return data
}

/** A new single-use image captcha. */
export async function getCaptcha(options?: RequestOptions): Promise<CaptchaOut> {
  const { data } = await request.get<CaptchaOut>('/auth/captcha', options)
  return data
}

export async function signInWithPassword(input: PasswordSignInIn, options?: RequestOptions): Promise<SessionOut> {
  const { data } = await request.post<SessionOut>('/auth/password', input, options)
  return data
}

/** The current session; 401 NOT_SIGNED_IN without one. */
export async function getSession(options?: RequestOptions): Promise<SessionOut> {
  const { data } = await request.get<SessionOut>('/session', options)
  return data
}

export async function logout(options?: RequestOptions): Promise<void> {
  await request.post('/auth/logout', {}, options)
}
