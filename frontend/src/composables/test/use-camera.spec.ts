import { afterEach, describe, expect, it, vi } from 'vitest'
import { effectScope } from 'vue'
import { cameraSupportProblem, classifyCameraError, useCamera } from '../use-camera'

afterEach(() => {
  vi.unstubAllGlobals()
})

function withMedia(getUserMedia: (() => Promise<MediaStream>) | undefined): void {
  vi.stubGlobal('isSecureContext', true)
  vi.stubGlobal('MediaRecorder', class {})
  Object.defineProperty(navigator, 'mediaDevices', {
    configurable: true,
    value: getUserMedia ? { getUserMedia } : undefined,
  })
}

describe('use-camera', () => {
  it.each([
    ['NotAllowedError', 'denied'],
    ['SecurityError', 'denied'],
    ['NotFoundError', 'no-camera'],
    ['OverconstrainedError', 'no-camera'],
    ['NotReadableError', 'busy'],
    ['TypeError', 'unsupported'],
    ['SomethingElse', 'failed'],
  ])('should classify %s as %s', (name, problem) => {
    expect(classifyCameraError(new DOMException('x', name))).toBe(problem)
  })

  it('should say insecure before anything else on an http:// page', () => {
    withMedia(undefined)
    vi.stubGlobal('isSecureContext', false)
    expect(cameraSupportProblem()).toBe('insecure')
  })

  it('should stop every track when its scope ends', async () => {
    const stop = vi.fn()
    withMedia(async () => ({ getTracks: () => [{ stop }] }) as unknown as MediaStream)
    const scope = effectScope()
    const camera = scope.run(() => useCamera())!
    await camera.open()
    expect(camera.stream.value).not.toBeNull()
    scope.stop()
    expect(stop).toHaveBeenCalledTimes(1)
    expect(camera.stream.value).toBeNull()
  })

  it('should release a camera granted after the page was left', async () => {
    const stop = vi.fn()
    let grant: (stream: MediaStream) => void = () => undefined
    withMedia(() => new Promise<MediaStream>((resolve) => (grant = resolve)))
    const scope = effectScope()
    const camera = scope.run(() => useCamera())!
    const opening = camera.open()
    scope.stop()
    grant({ getTracks: () => [{ stop }] } as unknown as MediaStream)
    expect(await opening).toBeNull()
    expect(stop).toHaveBeenCalledTimes(1)
  })
})
