import { describe, expect, it } from 'vitest'
import {
  ACTION_MS,
  CLIP_MARGIN_MS,
  NEUTRAL_MS,
  planScript,
  scriptDuration,
  scriptFromSchedule,
} from '../liveness-script'

describe('liveness script', () => {
  it('should follow the schedule of the challenge: neutral until the first prompt, then each prompt', () => {
    const steps = scriptFromSchedule(
      [
        { action: 'blink', prompt: '请眨眨眼', start_ms: 1500, end_ms: 5000 },
        { action: 'turn_left', prompt: '请向左转头', start_ms: 5000, end_ms: 8500 },
      ],
      '请保持正对手机',
    )
    expect(steps).toEqual([
      { action: -1, prompt: '请保持正对手机', startMs: 0, durationMs: 1500 },
      { action: 0, prompt: '请眨眨眼', startMs: 1500, durationMs: 3500 },
      { action: 1, prompt: '请向左转头', startMs: 5000, durationMs: 3500 },
    ])
    expect(scriptDuration(steps)).toBe(8500)
  })

  it('should start neutral, then give each action about 3.5 s without a schedule', () => {
    const steps = planScript(['请眨眨眼', '请向左转头'], 15, '请保持正对手机')
    expect(steps).toEqual([
      { action: -1, prompt: '请保持正对手机', startMs: 0, durationMs: NEUTRAL_MS },
      { action: 0, prompt: '请眨眨眼', startMs: NEUTRAL_MS, durationMs: ACTION_MS },
      { action: 1, prompt: '请向左转头', startMs: NEUTRAL_MS + ACTION_MS, durationMs: ACTION_MS },
    ])
    expect(scriptDuration(steps)).toBe(8500)
  })

  it('should shorten the actions to stay under the server limit', () => {
    const steps = planScript(['a', 'b', 'c', 'd'], 12, 'n')
    expect(scriptDuration(steps)).toBeLessThanOrEqual(12_000 - CLIP_MARGIN_MS)
    expect(steps.slice(1).every((s) => s.durationMs < ACTION_MS)).toBe(true)
  })
})
