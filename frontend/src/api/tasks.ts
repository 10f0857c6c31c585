import { type RequestOptions, request } from '@/utils/request'

/** A slow step's run (OCR, face analysis, PDF signing): `GET /api/tasks/{task_id}`. */
export type TaskStatus = 'pending' | 'running' | 'succeeded' | 'failed'

/** A coded failure of the task itself (the same shape as an API error's code and message). */
export interface TaskErrorOut {
  code: string
  message: string
  retryable?: boolean
}

export interface TaskOut<R> {
  task_id: string
  status: TaskStatus
  /** Set once `status` is `succeeded`. */
  result: R | null
  /** Set once `status` is `failed`. */
  error: TaskErrorOut | null
}

/** The 202 answer of an endpoint that hands its work to a task. */
export interface TaskAccepted {
  task_id: string
  status: TaskStatus
}

export function isTaskDone(status: TaskStatus): boolean {
  return status === 'succeeded' || status === 'failed'
}

/** A task of the signed-in customer; 404 TASK_NOT_FOUND for any other id. */
export async function getTask<R>(taskId: string, options?: RequestOptions): Promise<TaskOut<R>> {
  const { data } = await request.get<TaskOut<R>>(`/tasks/${encodeURIComponent(taskId)}`, options)
  return data
}
