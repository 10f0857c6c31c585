import { describe, expect, it } from 'vitest'
import { apiError } from '@/test-utils'
import { useIdempotencyKey } from '../use-idempotency-key'

async function keyOf(run: ReturnType<typeof useIdempotencyKey>['run'], body: unknown, outcome: Error | null) {
  let seen = ''
  await run(body, async (key) => {
    seen = key
    if (outcome) throw outcome
    return null
  }).catch(() => undefined)
  return seen
}

describe('useIdempotencyKey', () => {
  it('should reuse the key when the first try got no answer', async () => {
    const { run } = useIdempotencyKey()
    const first = await keyOf(run, {}, apiError(0, 'NETWORK_ERROR', '网络连接异常'))
    const retry = await keyOf(run, {}, null)
    expect(retry).toBe(first)
  })

  it.each([500, 502, 429])('should reuse the key after a %i the server did not keep', async (status) => {
    const { run } = useIdempotencyKey()
    const first = await keyOf(run, {}, apiError(status, 'RATE_LIMITED', '稍后再试'))
    expect(await keyOf(run, {}, null)).toBe(first)
  })

  it('should make a new key after a success', async () => {
    const { run, pending } = useIdempotencyKey()
    const first = await keyOf(run, {}, null)
    expect(pending()).toBeNull()
    expect(await keyOf(run, {}, null)).not.toBe(first)
  })

  it.each([409, 404, 422])('should make a new key after a final %i refusal', async (status) => {
    const { run } = useIdempotencyKey()
    const first = await keyOf(run, {}, apiError(status, 'CASE_ALREADY_ACTIVE', '已有申请'))
    expect(await keyOf(run, {}, null)).not.toBe(first)
  })

  it('should make a new key when the body changes', async () => {
    const { run } = useIdempotencyKey()
    const first = await keyOf(run, { fund_account: '1234' }, apiError(0, 'NETWORK_ERROR', '网络连接异常'))
    expect(await keyOf(run, { fund_account: '5678' }, null)).not.toBe(first)
  })
})
