/** The ten steps of the broker's guide (docs/api.md, "Steps and states"). */
export interface StepDef {
  number: number
  /** The server's step key (`meta.steps[].key`, `case.step_key`). */
  key: string
  /** Route path and route name in the H5 app. */
  path: string
  name: string
}

export const STEPS: readonly StepDef[] = [
  { number: 1, key: 'select', path: '/', name: 'home' },
  { number: 2, key: 'verify', path: '/login', name: 'login' },
  { number: 3, key: 'face', path: '/face', name: 'face' },
  { number: 4, key: 'idcard', path: '/idcard', name: 'idcard' },
  { number: 5, key: 'identity', path: '/identity', name: 'identity' },
  { number: 6, key: 'update', path: '/update', name: 'update' },
  { number: 7, key: 'read', path: '/agreements', name: 'agreements' },
  { number: 8, key: 'sign', path: '/sign', name: 'sign' },
  { number: 9, key: 'signed', path: '/signed', name: 'signed' },
  { number: 10, key: 'status', path: '/status', name: 'status' },
]

export const STEP_COUNT = STEPS.length
/** The first step that belongs to a case (and needs a session). */
export const FIRST_CASE_STEP = 3

export function stepByNumber(number: number): StepDef | undefined {
  return STEPS.find((s) => s.number === number)
}

/** The route of a case step; steps outside 3–10 fall back to the nearest case step. */
export function stepPath(number: number): string {
  const clamped = Math.min(Math.max(Math.trunc(number) || FIRST_CASE_STEP, FIRST_CASE_STEP), STEP_COUNT)
  return stepByNumber(clamped)!.path
}
