/**
 * Client-side input rules for sign-in. They mirror the server's schemas (digits-only
 * accounts of 4–20 digits, the last 4 digits of the mobile, a 6-digit SMS code, a 4-character
 * captcha); the server stays the authority and answers VALIDATION_ERROR otherwise.
 */
export const ACCOUNT_PATTERN = /^\d{4,20}$/
export const MOBILE_LAST4_PATTERN = /^\d{4}$/
export const SMS_CODE_PATTERN = /^\d{6}$/
export const CAPTCHA_PATTERN = /^[A-Za-z0-9]{4}$/
export const PASSWORD_MAX_LENGTH = 64

export const ACCOUNT_MAX_LENGTH = 20
export const SMS_CODE_LENGTH = 6
export const CAPTCHA_LENGTH = 4

export function isBlank(value: unknown): boolean {
  return typeof value !== 'string' || value.trim() === ''
}
