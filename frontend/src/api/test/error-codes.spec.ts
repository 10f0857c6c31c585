import { describe, expect, it } from 'vitest'

import { ERROR_CODES, type ErrorCode } from '@/api/error-codes'
import { ApiError, type ApiErrorCode, isApiError } from '@/utils/api-error'

describe('error codes generated from the server registry', () => {
  it('lists the customer API codes once each, in order', () => {
    expect(ERROR_CODES).toContain('NO_ACTIVE_CASE')
    expect(ERROR_CODES).toContain('TASK_QUEUE_UNAVAILABLE')
    expect([...ERROR_CODES].sort()).toEqual([...ERROR_CODES])
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length)
  })

  it('types a code compared as a string', () => {
    const known: ErrorCode = 'SMS_COOLDOWN'
    const client: ApiErrorCode = 'NETWORK_ERROR'
    // @ts-expect-error: a code the server does not know is a type error (vue-tsc)
    const typo: ApiErrorCode = 'SMS_COOL_DOWN'
    const error = new ApiError(429, { code: known, message: 'm', retryable: true, fields: null, detail: null })
    expect(isApiError(error, 'SMS_COOLDOWN')).toBe(true)
    expect([client, typo]).toHaveLength(2)
  })
})
