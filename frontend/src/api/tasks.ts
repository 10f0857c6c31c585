import { type RequestOptions, request } from '@/utils/request'
import type { Narrow, Schemas } from './contract'

/** A slow step's run (OCR, face analysis, PDF signing): `GET /api/tasks/{task_id}`. */
export type TaskStatus = 'pending' | 'running' | 'succeeded' | 'failed'

/** A coded failure of the task itself (the same shape as an API error's code and message). */
export type TaskErrorOut = Pick<Schemas['ErrorOut'], 'code' | 'message'> & Partial<Pick<Schemas['ErrorOut'], 'retryable'>>

/**
 * `GET /api/tasks/{task_id}`: `result` is set once `status` is `succeeded`, `error` once it is
 * `failed`. The schema types both as any object; `R` is the result the calling step expects.
 */
export type TaskOut<R> = Narrow<Schemas['TaskOut'], { status: TaskStatus; result: R | null; error: TaskErrorOut | null }>

/** The 202 answer of an endpoint that hands its work to a task. */
export type TaskAccepted = Narrow<Schemas['TaskAccepted'], { status: TaskStatus }>

export function isTaskDone(status: TaskStatus): boolean {
  return status === 'succeeded' || status === 'failed'
}

/** A task of the signed-in customer; 404 TASK_NOT_FOUND for any other id. */
export async function getTask<R>(taskId: string, options?: RequestOptions): Promise<TaskOut<R>> {
  const { data } = await request.get<TaskOut<R>>(`/tasks/${encodeURIComponent(taskId)}`, options)
  return data
}
