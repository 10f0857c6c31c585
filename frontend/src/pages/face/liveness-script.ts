/**
 * The timed script of one recording: a neutral start (the analysis measures each action
 * against the customer's own resting face), then each action prompt of the challenge, one
 * at a time, at the times the server scheduled (`schedule`, offsets from the recording's
 * start). The server checks that each action starts inside its own prompt's window, so the
 * page keeps to the schedule and reports how late its first prompt actually appeared.
 */

import type { FacePrompt } from '@/api/face'

/** The neutral start when a server sends no schedule: about 1.5 s facing the phone. */
export const NEUTRAL_MS = 1500
/** Time for one action without a schedule: about 3.5 s (the rules say 放慢动作). */
export const ACTION_MS = 3500
/** Recording ends at least this long before the server's limit (start latency, last chunk). */
export const CLIP_MARGIN_MS = 1500
/** Never squeeze an action below this, even with many actions and a short limit. */
export const MIN_ACTION_MS = 1500

export interface ScriptStep {
  /** -1 for the neutral start, else the index of the action in the challenge. */
  action: number
  prompt: string
  /** When the step begins, from the recorder's start. */
  startMs: number
  durationMs: number
}

/** The script from the server's schedule: neutral until the first prompt, then each prompt. */
export function scriptFromSchedule(schedule: readonly FacePrompt[], neutralPrompt: string): ScriptStep[] {
  const first = schedule[0]?.start_ms ?? NEUTRAL_MS
  return [
    { action: -1, prompt: neutralPrompt, startMs: 0, durationMs: first },
    ...schedule.map((p, action) => ({
      action,
      prompt: p.prompt,
      startMs: p.start_ms,
      durationMs: Math.max(0, p.end_ms - p.start_ms),
    })),
  ]
}

/** The script without a schedule (an older server): evenly timed, under `max_clip_seconds`. */
export function planScript(prompts: readonly string[], maxClipSeconds: number, neutralPrompt: string): ScriptStep[] {
  const budget = Math.max(0, maxClipSeconds * 1000 - CLIP_MARGIN_MS - NEUTRAL_MS)
  const perAction =
    prompts.length === 0 ? ACTION_MS : Math.max(MIN_ACTION_MS, Math.min(ACTION_MS, Math.floor(budget / prompts.length)))
  return [
    { action: -1, prompt: neutralPrompt, startMs: 0, durationMs: NEUTRAL_MS },
    ...prompts.map((prompt, action) => ({
      action,
      prompt,
      startMs: NEUTRAL_MS + action * perAction,
      durationMs: perAction,
    })),
  ]
}

/** When the last step ends, from the recorder's start. */
export function scriptDuration(steps: readonly ScriptStep[]): number {
  return steps.reduce((end, step) => Math.max(end, step.startMs + step.durationMs), 0)
}
