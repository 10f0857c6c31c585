import { getCurrentScope, onScopeDispose } from 'vue'

export interface ClipType {
  mimeType: string
  /** File name extension the server expects for it. */
  extension: 'webm' | 'mp4'
}

/** In order of preference: WebM on Android/Chromium, MP4 on iOS Safari. */
export const CLIP_TYPES: readonly ClipType[] = [
  { mimeType: 'video/webm;codecs=vp8', extension: 'webm' },
  { mimeType: 'video/webm', extension: 'webm' },
  { mimeType: 'video/mp4', extension: 'mp4' },
]

/** About 1.2 MB for a 10 s clip at VGA: small enough for a mobile upload, sharp enough for the face models. */
export const CLIP_BITS_PER_SECOND = 1_000_000

/** The first clip type this browser can record, or null (no MediaRecorder, or none of ours). */
export function pickClipType(): ClipType | null {
  const Recorder = globalThis.MediaRecorder
  if (typeof Recorder !== 'function' || typeof Recorder.isTypeSupported !== 'function') return null
  return CLIP_TYPES.find((type) => Recorder.isTypeSupported(type.mimeType)) ?? null
}

export interface RecordedClip {
  blob: Blob
  filename: string
}

/** Records a stream with MediaRecorder; `stop()` resolves with the clip and its file name. */
export function useClipRecorder() {
  let recorder: MediaRecorder | null = null
  let chunks: Blob[] = []
  let type: ClipType | null = null

  function start(stream: MediaStream, clipType: ClipType): void {
    cancel()
    chunks = []
    type = clipType
    recorder = new MediaRecorder(stream, { mimeType: clipType.mimeType, videoBitsPerSecond: CLIP_BITS_PER_SECOND })
    recorder.ondataavailable = (event: BlobEvent) => {
      if (event.data && event.data.size > 0) chunks.push(event.data)
    }
    // A timeslice makes the recorder hand over data as it goes (some browsers lose a final
    // buffer larger than their limit otherwise).
    recorder.start(1000)
  }

  function stop(): Promise<RecordedClip> {
    const active = recorder
    const clipType = type
    if (!active || !clipType) return Promise.reject(new Error('not recording'))
    return new Promise((resolve, reject) => {
      active.onstop = () => {
        recorder = null
        const blobType = active.mimeType || clipType.mimeType
        const blob = new Blob(chunks, { type: blobType.split(';')[0] })
        chunks = []
        if (blob.size === 0) reject(new Error('empty recording'))
        else resolve({ blob, filename: `clip.${clipType.extension}` })
      }
      active.onerror = () => reject(new Error('recorder error'))
      if (active.state === 'inactive') active.onstop(new Event('stop'))
      else active.stop()
    })
  }

  /** Drops a recording in progress (leaving the page). */
  function cancel(): void {
    if (recorder) {
      recorder.ondataavailable = null
      recorder.onstop = null
      recorder.onerror = null
      if (recorder.state !== 'inactive') recorder.stop()
    }
    recorder = null
    chunks = []
  }

  if (getCurrentScope()) onScopeDispose(cancel)

  return { start, stop, cancel }
}
