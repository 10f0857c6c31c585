import { getCurrentScope, onScopeDispose, ref, shallowRef } from 'vue'

/** Why the camera cannot be used; each has a message and a next step in `face.camera.*`. */
export type CameraProblem = 'insecure' | 'unsupported' | 'denied' | 'no-camera' | 'busy' | 'failed'

/** The front camera at VGA: enough for the face models, small enough to upload quickly. */
export const CAMERA_CONSTRAINTS: MediaStreamConstraints = {
  video: { facingMode: 'user', width: { ideal: 640 }, height: { ideal: 480 } },
  audio: false,
}

/** What the browser lacks before anything is asked for: HTTPS, getUserMedia, MediaRecorder. */
export function cameraSupportProblem(): CameraProblem | null {
  if (globalThis.isSecureContext === false) return 'insecure'
  if (typeof navigator === 'undefined' || typeof navigator.mediaDevices?.getUserMedia !== 'function') {
    return 'unsupported'
  }
  if (typeof globalThis.MediaRecorder !== 'function') return 'unsupported'
  return null
}

/** getUserMedia's DOMException names (and older browsers' aliases) → what to tell the customer. */
export function classifyCameraError(error: unknown): CameraProblem {
  const name = typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : ''
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return 'denied'
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
    case 'ConstraintNotSatisfiedError':
      return 'no-camera'
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return 'busy'
    case 'TypeError':
    case 'NotSupportedError':
      return 'unsupported'
    default:
      return 'failed'
  }
}

/**
 * The front camera: `open()` asks for it (or says why it cannot), `stop()` ends every track so
 * the camera light goes off. Stopped automatically when the component's scope ends.
 */
export function useCamera() {
  const stream = shallowRef<MediaStream | null>(null)
  const problem = ref<CameraProblem | null>(null)
  const opening = ref(false)
  let generation = 0

  function stop(): void {
    generation += 1
    stream.value?.getTracks().forEach((track) => track.stop())
    stream.value = null
  }

  async function open(): Promise<MediaStream | null> {
    stop()
    const mine = generation
    problem.value = cameraSupportProblem()
    if (problem.value) return null
    opening.value = true
    try {
      const opened = await navigator.mediaDevices.getUserMedia(CAMERA_CONSTRAINTS)
      if (mine !== generation) {
        // Stopped (left the page) while the permission prompt was up.
        opened.getTracks().forEach((track) => track.stop())
        return null
      }
      stream.value = opened
      return opened
    } catch (error) {
      if (mine === generation) problem.value = classifyCameraError(error)
      return null
    } finally {
      opening.value = false
    }
  }

  if (getCurrentScope()) onScopeDispose(stop)

  return { stream, problem, opening, open, stop }
}
