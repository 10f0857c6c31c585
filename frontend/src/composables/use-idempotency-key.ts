import { isApiError } from '@/utils/api-error'
import { uuid4 } from '@/utils/uuid'

/** Answers the server keeps and replays for a key (core/middleware.py): final for that key. */
function answerIsFinal(error: unknown): boolean {
  if (!isApiError(error)) return false
  if (error.code === 'IDEMPOTENCY_IN_PROGRESS') return false
  return [404, 409, 410, 422].includes(error.status) || (error.status > 0 && error.status < 400)
}

/**
 * One `Idempotency-Key` per user action (docs/api.md). `run` makes a key on the first try and
 * keeps it while the action is retried after an answer the server did not keep (no answer,
 * a timeout, a server or rate-limit error), so a retry cannot do the thing twice. After a
 * success or a final refusal, or when the body changes, the next call is a new action.
 */
export function useIdempotencyKey() {
  let key: string | null = null
  let bodyOfKey = ''

  function keyFor(body: unknown): string {
    const serialized = JSON.stringify(body ?? {})
    if (key === null || serialized !== bodyOfKey) {
      key = uuid4()
      bodyOfKey = serialized
    }
    return key
  }

  async function run<T>(body: unknown, action: (key: string) => Promise<T>): Promise<T> {
    const current = keyFor(body)
    try {
      const result = await action(current)
      key = null
      return result
    } catch (error) {
      if (answerIsFinal(error)) key = null
      throw error
    }
  }

  return {
    run,
    /** The key a retry would reuse, or null when the next call starts a new action. */
    pending: (): string | null => key,
  }
}
