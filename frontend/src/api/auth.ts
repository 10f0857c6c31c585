import { idempotencyHeaders, type RequestOptions, request } from '@/utils/request'
import type { CaseOut } from './cases'
import type { Narrow, Schemas } from './contract'

export type SmsSendIn = Schemas['SmsSendIn']

/** `resend_after`: seconds before another code may be asked for; `expires_in`: how long the code stays valid. */
export type SmsSendOut = Schemas['SmsSendOut']

export type SmsVerifyIn = Schemas['SmsVerifyIn']

/** `image` is a `data:image/png;base64,…` URL. */
export type CaptchaOut = Schemas['CaptchaOut']

export type PasswordSignInIn = Schemas['PasswordIn']

export type CustomerOut = Schemas['CustomerOut']

/**
 * `token` is only for app clients (`client: "app"`); the H5 app uses the HttpOnly cookie.
 * `idle_timeout` in seconds.
 */
export type SessionOut = Narrow<Schemas['SessionOut'], { case: CaseOut | null }>

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
