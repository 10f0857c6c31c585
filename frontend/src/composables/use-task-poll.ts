import { getCurrentScope, onScopeDispose } from 'vue'
import { getTask, isTaskDone, type TaskOut } from '@/api/tasks'
import { type ApiError, isApiError } from '@/utils/api-error'

export const TASK_POLL_INTERVAL_MS = 700
export const TASK_POLL_TIMEOUT_MS = 60_000

/** No final answer before the deadline: the task may still finish; the caller says so. */
export class TaskPollTimeout extends Error {
  constructor() {
    super('task poll timed out')
    this.name = 'TaskPollTimeout'
  }
}

/** The poll was cancelled (the page was left). */
export class TaskPollCancelled extends Error {
  constructor() {
    super('task poll cancelled')
    this.name = 'TaskPollCancelled'
  }
}

/** A lost answer or a busy server: keep polling quietly until the deadline. */
function transient(error: ApiError): boolean {
  return error.status === 0 || error.status >= 500 || error.status === 429
}

export interface PollOptions {
  intervalMs?: number
  timeoutMs?: number
}

/**
 * Polls `GET /api/tasks/{id}` until the task succeeded or failed. Network hiccups are retried
 * silently; other API errors (toasted) end the poll. Cancelled when the component's scope ends.
 */
export function useTaskPoll() {
  let cancelled: (() => void) | null = null

  function cancel(): void {
    cancelled?.()
    cancelled = null
  }

  async function poll<R>(taskId: string, options: PollOptions = {}): Promise<TaskOut<R>> {
    cancel()
    const interval = options.intervalMs ?? TASK_POLL_INTERVAL_MS
    const deadline = Date.now() + (options.timeoutMs ?? TASK_POLL_TIMEOUT_MS)
    let stop = false
    let wake: (() => void) | null = null
    let timer: ReturnType<typeof setTimeout> | undefined
    cancelled = () => {
      stop = true
      if (timer !== undefined) clearTimeout(timer)
      wake?.()
    }
    const wait = (ms: number) =>
      new Promise<void>((resolve) => {
        wake = resolve
        timer = setTimeout(resolve, ms)
      })

    for (;;) {
      if (stop) throw new TaskPollCancelled()
      try {
        const task = await getTask<R>(taskId, { silent: transient })
        if (stop) throw new TaskPollCancelled()
        if (isTaskDone(task.status)) return task
      } catch (error) {
        if (error instanceof TaskPollCancelled) throw error
        if (!isApiError(error) || !transient(error)) throw error
      }
      const left = deadline - Date.now()
      if (left <= 0) throw new TaskPollTimeout()
      await wait(Math.min(interval, left))
    }
  }

  if (getCurrentScope()) onScopeDispose(cancel)

  return { poll, cancel }
}
