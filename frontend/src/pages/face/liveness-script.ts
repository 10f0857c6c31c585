/**
 * The timed script of one recording: a neutral start (the analysis measures each action
 * against the customer's own resting face), then each action prompt of the challenge, one
 * at a time. The whole script stays under the server's `max_clip_seconds`.
 */

/** The neutral start: about 1.5 s facing the phone. */
export const NEUTRAL_MS = 1500
/** Time for one action: about 3.5 s (the rules say 放慢动作). */
export const ACTION_MS = 3500
/** Recording ends at least this long before the server's limit (start latency, last chunk). */
export const CLIP_MARGIN_MS = 1500
/** Never squeeze an action below this, even with many actions and a short limit. */
export const MIN_ACTION_MS = 1500

export interface ScriptStep {
  /** -1 for the neutral start, else the index of the action in the challenge. */
  action: number
  prompt: string
  durationMs: number
}

export function planScript(prompts: readonly string[], maxClipSeconds: number, neutralPrompt: string): ScriptStep[] {
  const budget = Math.max(0, maxClipSeconds * 1000 - CLIP_MARGIN_MS - NEUTRAL_MS)
  const perAction =
    prompts.length === 0 ? ACTION_MS : Math.max(MIN_ACTION_MS, Math.min(ACTION_MS, Math.floor(budget / prompts.length)))
  return [
    { action: -1, prompt: neutralPrompt, durationMs: NEUTRAL_MS },
    ...prompts.map((prompt, action) => ({ action, prompt, durationMs: perAction })),
  ]
}

export function scriptDuration(steps: readonly ScriptStep[]): number {
  return steps.reduce((sum, step) => sum + step.durationMs, 0)
}
