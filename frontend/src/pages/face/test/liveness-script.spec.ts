import { describe, expect, it } from 'vitest'
import { ACTION_MS, CLIP_MARGIN_MS, NEUTRAL_MS, planScript, scriptDuration } from '../liveness-script'

describe('liveness script', () => {
  it('should start neutral, then give each action about 3.5 s', () => {
    const steps = planScript(['请眨眨眼', '请向左转头'], 15, '请保持正对手机')
    expect(steps).toEqual([
      { action: -1, prompt: '请保持正对手机', durationMs: NEUTRAL_MS },
      { action: 0, prompt: '请眨眨眼', durationMs: ACTION_MS },
      { action: 1, prompt: '请向左转头', durationMs: ACTION_MS },
    ])
    expect(scriptDuration(steps)).toBe(8500)
  })

  it('should shorten the actions to stay under the server limit', () => {
    const steps = planScript(['a', 'b', 'c', 'd'], 12, 'n')
    expect(scriptDuration(steps)).toBeLessThanOrEqual(12_000 - CLIP_MARGIN_MS)
    expect(steps.slice(1).every((s) => s.durationMs < ACTION_MS)).toBe(true)
  })
})
