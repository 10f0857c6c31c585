import { flushPromises, type VueWrapper } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as authApi from '@/api/auth'
import * as casesApi from '@/api/cases'
import * as faceApi from '@/api/face'
import * as metaApi from '@/api/meta'
import * as tasksApi from '@/api/tasks'
import { CAMERA_CONSTRAINTS } from '@/composables/use-camera'
import { useFaceStore } from '@/stores/face'
import { apiError, makeCase, makeMeta, makeSession, mountAt } from '@/test-utils'
import FacePage from '../index.vue'

vi.mock('@/api/meta')
vi.mock('@/api/auth')
vi.mock('@/api/face')
vi.mock('@/api/tasks', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/tasks')>()),
  getTask: vi.fn(),
}))
vi.mock('@/api/cases', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/cases')>()),
  createCase: vi.fn(),
  cancelCurrentCase: vi.fn(),
  getCurrentCase: vi.fn(),
}))

const BRANCH = '您可以携带本人有效身份证件到任一营业部临柜办理证件更新。'
const NOTICE: faceApi.FaceNoticeOut = {
  version: '2026-11-v1',
  title: '人脸识别信息处理告知书',
  paragraphs: ['一、收集的信息：您按提示完成动作时录制的短视频。', '三、保存期限：录制的视频在分析结束后立即删除。'],
  branch_route: BRANCH,
}
const CHALLENGE: faceApi.FaceChallengeOut = {
  nonce: '0b7f6c2e-8f1a-4d7e-9c3b-2a1d0e9f8c7b',
  actions: ['blink', 'turn_left'],
  prompts: ['请眨眨眼', '请向左转头'],
  schedule: [
    { action: 'blink', prompt: '请眨眨眼', start_ms: 1500, end_ms: 5000 },
    { action: 'turn_left', prompt: '请向左转头', start_ms: 5000, end_ms: 8500 },
  ],
  expires_in: 60,
  attempts_left: 4,
  max_clip_seconds: 15,
}
const TASK = { task_id: '5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a', status: 'pending' as const }

function attempt(overrides: Partial<faceApi.FaceAttemptOut> = {}): faceApi.FaceAttemptOut {
  return {
    attempt_id: '9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d',
    passed: false,
    status: 'failed',
    actions: [
      { action: 'blink', passed: true, frames: [40, 52] },
      { action: 'turn_left', passed: false, frames: null },
    ],
    failures: [],
    case_state: 'started',
    current_step: 3,
    ...overrides,
  }
}

// --- fake camera and recorder -------------------------------------------------------------

interface FakeStream {
  stream: MediaStream
  stop: ReturnType<typeof vi.fn>
}

function fakeStream(): FakeStream {
  const stop = vi.fn()
  const track = { kind: 'video', stop }
  return { stream: { getTracks: () => [track] } as unknown as MediaStream, stop }
}

class FakeMediaRecorder {
  static supported: string[] = ['video/webm;codecs=vp8', 'video/webm', 'video/mp4']
  static instances: FakeMediaRecorder[] = []
  static isTypeSupported(type: string): boolean {
    return FakeMediaRecorder.supported.includes(type)
  }

  state: 'inactive' | 'recording' = 'inactive'
  mimeType: string
  options: MediaRecorderOptions
  timeslice: number | undefined
  ondataavailable: ((event: { data: Blob }) => void) | null = null
  onstop: ((event: Event) => void) | null = null
  onerror: ((event: Event) => void) | null = null

  constructor(
    public stream: MediaStream,
    options: MediaRecorderOptions,
  ) {
    this.options = options
    this.mimeType = options.mimeType ?? ''
    FakeMediaRecorder.instances.push(this)
  }

  start(timeslice?: number): void {
    this.state = 'recording'
    this.timeslice = timeslice
  }

  stop(): void {
    this.state = 'inactive'
    this.ondataavailable?.({ data: new Blob([new Uint8Array(4096)], { type: this.mimeType }) })
    this.onstop?.(new Event('stop'))
  }
}

let getUserMedia: ReturnType<typeof vi.fn>
let streams: FakeStream[]

function installMedia({ mediaDevices = true, recorder = true, secure = true } = {}): void {
  vi.stubGlobal('isSecureContext', secure)
  Object.defineProperty(navigator, 'mediaDevices', {
    configurable: true,
    value: mediaDevices ? { getUserMedia } : undefined,
  })
  vi.stubGlobal('MediaRecorder', recorder ? FakeMediaRecorder : undefined)
}

function byTestId(wrapper: VueWrapper, id: string) {
  return wrapper.find(`[data-testid="${id}"]`)
}

async function click(wrapper: VueWrapper, id: string): Promise<void> {
  await byTestId(wrapper, id).trigger('click')
  await flushPromises()
}

async function advance(ms: number): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms)
  await flushPromises()
}

async function mountFace(current = makeCase()) {
  vi.mocked(authApi.getSession).mockResolvedValue(makeSession({ case: current }))
  return mountAt(FacePage, '/face')
}

/** Mounted with consent already given in this tab: the rules screen comes first. */
async function mountAtRules() {
  const mounted = await mountFace()
  await click(mounted.wrapper, 'face-notice-agree')
  expect(byTestId(mounted.wrapper, 'face-rules').exists()).toBe(true)
  return mounted
}

/** From the rules screen through the whole timed recording, up to the upload. */
async function recordOnce(wrapper: VueWrapper): Promise<void> {
  await click(wrapper, 'face-rules-start')
  await advance(1500 + 3500 + 3500)
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
  vi.mocked(metaApi.getMeta).mockResolvedValue(makeMeta())
  vi.mocked(faceApi.getFaceNotice).mockResolvedValue(NOTICE)
  vi.mocked(faceApi.consentToFaceNotice).mockResolvedValue({
    notice_version: NOTICE.version,
    consented_at: '2026-11-25T09:01:00+08:00',
  })
  vi.mocked(faceApi.declineFace).mockResolvedValue({ message: BRANCH })
  vi.mocked(faceApi.requestFaceChallenge).mockResolvedValue(CHALLENGE)
  vi.mocked(faceApi.uploadFaceClip).mockImplementation(async (_input, _key, options) => {
    options?.onProgress?.(100)
    return TASK
  })
  vi.mocked(tasksApi.getTask).mockResolvedValue({
    task_id: TASK.task_id,
    status: 'succeeded',
    result: attempt({ failures: [{ code: 'ACTION_MISSING', message: '未检测到要求的动作' }] }),
    error: null,
  })
  vi.spyOn(HTMLMediaElement.prototype, 'play').mockResolvedValue(undefined)
  streams = []
  getUserMedia = vi.fn(async () => {
    const made = fakeStream()
    streams.push(made)
    return made.stream
  })
  FakeMediaRecorder.supported = ['video/webm;codecs=vp8', 'video/webm', 'video/mp4']
  FakeMediaRecorder.instances = []
  installMedia()
})

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('face step: notice and consent', () => {
  it('should show the notice from the API with its own 同意 and the branch alternative', async () => {
    const { wrapper } = await mountFace()
    expect(byTestId(wrapper, 'face-notice-title').text()).toBe('人脸识别信息处理告知书')
    expect(wrapper.text()).toContain('一、收集的信息：您按提示完成动作时录制的短视频。')
    expect(wrapper.text()).toContain('三、保存期限：录制的视频在分析结束后立即删除。')
    expect(wrapper.text()).toContain('告知书版本：2026-11-v1')
    expect(byTestId(wrapper, 'face-notice-agree').text()).toBe('同意')
    expect(byTestId(wrapper, 'face-notice-decline').text()).toBe('不同意，前往营业部办理')
    expect(getUserMedia).not.toHaveBeenCalled()
  })

  it('should record consent with the version, then show the rules, then open the front camera', async () => {
    const { wrapper } = await mountFace()
    await click(wrapper, 'face-notice-agree')

    expect(faceApi.consentToFaceNotice).toHaveBeenCalledTimes(1)
    const [body, key] = vi.mocked(faceApi.consentToFaceNotice).mock.calls[0]!
    expect(body).toEqual({ notice_version: '2026-11-v1' })
    expect(key).toMatch(/^[0-9a-f-]{36}$/)

    const rules = byTestId(wrapper, 'face-rules')
    expect(rules.text()).toContain('为了保障您的信息安全')
    expect(rules.text()).toContain('需要采集您的人脸信息进行身份核实')
    expect(byTestId(wrapper, 'face-rules-reminder').text()).toBe('(温馨提醒：人脸识别拍到的范围是上半身，请注意着装)')
    expect(byTestId(wrapper, 'face-tip-facing').text()).toBe('正对手机')
    expect(byTestId(wrapper, 'face-tip-light').text()).toBe('光线充足')
    expect(byTestId(wrapper, 'face-tip-slow').text()).toBe('放慢动作')
    expect(wrapper.findAll('.face-rules__tip .van-icon')).toHaveLength(3)
    expect(byTestId(wrapper, 'face-rules-start').text()).toBe('已知晓人脸识别规则，开始认证')
    expect(getUserMedia).not.toHaveBeenCalled()

    await click(wrapper, 'face-rules-start')
    expect(getUserMedia).toHaveBeenCalledWith(CAMERA_CONSTRAINTS)
    expect(CAMERA_CONSTRAINTS).toEqual({
      video: { facingMode: 'user', width: { ideal: 640 }, height: { ideal: 480 } },
      audio: false,
    })
    expect(faceApi.requestFaceChallenge).toHaveBeenCalledTimes(1)
    const video = byTestId(wrapper, 'face-video').element as HTMLVideoElement
    expect(video.srcObject).toBe(streams[0]!.stream)
    expect(wrapper.find('.face-capture__oval').exists()).toBe(true)
  })

  it('should show the actions one at a time after a neutral start, then upload the clip with the nonce', async () => {
    const { wrapper } = await mountAtRules()
    await click(wrapper, 'face-rules-start')

    const recorder = FakeMediaRecorder.instances[0]!
    expect(recorder.mimeType).toBe('video/webm;codecs=vp8')
    expect(recorder.state).toBe('recording')
    expect(byTestId(wrapper, 'face-prompt').text()).toBe('请保持正对手机')

    await advance(1500)
    expect(byTestId(wrapper, 'face-prompt').text()).toBe('请眨眨眼')
    expect(byTestId(wrapper, 'face-step').text()).toBe('动作 1/2')

    await advance(3500)
    expect(byTestId(wrapper, 'face-prompt').text()).toBe('请向左转头')
    expect(byTestId(wrapper, 'face-step').text()).toBe('动作 2/2')
    expect(faceApi.uploadFaceClip).not.toHaveBeenCalled()

    await advance(3500)
    expect(recorder.state).toBe('inactive')
    expect(streams[0]!.stop).toHaveBeenCalled()
    expect(faceApi.uploadFaceClip).toHaveBeenCalledTimes(1)
    const [input, key] = vi.mocked(faceApi.uploadFaceClip).mock.calls[0]!
    expect(input.nonce).toBe(CHALLENGE.nonce)
    expect(input.filename).toBe('clip.webm')
    expect(input.clip.type).toBe('video/webm')
    expect(input.clip.size).toBeGreaterThan(0)
    expect(input.promptOffsetMs).toBe(1500)
    expect(key).toMatch(/^[0-9a-f-]{36}$/)
    expect(tasksApi.getTask).toHaveBeenCalledWith(TASK.task_id, expect.anything())
  })

  it('should show the prompts at the times the challenge schedules', async () => {
    vi.mocked(faceApi.requestFaceChallenge).mockResolvedValue({
      ...CHALLENGE,
      schedule: [
        { action: 'blink', prompt: '请眨眨眼', start_ms: 2000, end_ms: 4000 },
        { action: 'turn_left', prompt: '请向左转头', start_ms: 4000, end_ms: 7000 },
      ],
    })
    const { wrapper } = await mountAtRules()
    await click(wrapper, 'face-rules-start')
    const recorder = FakeMediaRecorder.instances[0]!

    await advance(1900)
    expect(byTestId(wrapper, 'face-prompt').text()).toBe('请保持正对手机')
    await advance(100)
    expect(byTestId(wrapper, 'face-prompt').text()).toBe('请眨眨眼')
    await advance(2000)
    expect(byTestId(wrapper, 'face-prompt').text()).toBe('请向左转头')
    await advance(2900)
    expect(recorder.state).toBe('recording')
    await advance(100)
    expect(recorder.state).toBe('inactive')
    expect(vi.mocked(faceApi.uploadFaceClip).mock.calls[0]![0].promptOffsetMs).toBe(2000)
  })

  it('should record MP4 where WebM is not supported (iOS Safari)', async () => {
    FakeMediaRecorder.supported = ['video/mp4']
    const { wrapper } = await mountAtRules()
    await recordOnce(wrapper)
    expect(FakeMediaRecorder.instances[0]!.mimeType).toBe('video/mp4')
    expect(vi.mocked(faceApi.uploadFaceClip).mock.calls[0]![0].filename).toBe('clip.mp4')
  })

  it('should decline: record it and show the branch route, with a way back to the notice', async () => {
    const { wrapper } = await mountFace()
    await click(wrapper, 'face-notice-decline')

    expect(faceApi.declineFace).toHaveBeenCalledTimes(1)
    expect(faceApi.consentToFaceNotice).not.toHaveBeenCalled()
    expect(byTestId(wrapper, 'face-branch-message').text()).toBe(BRANCH)
    expect(byTestId(wrapper, 'face-branch-route').text()).toContain('您未同意《人脸识别信息处理告知书》')
    expect(getUserMedia).not.toHaveBeenCalled()

    await click(wrapper, 'face-branch-back')
    expect(byTestId(wrapper, 'face-notice').exists()).toBe(true)
    await click(wrapper, 'face-notice-agree')
    expect(byTestId(wrapper, 'face-rules').exists()).toBe(true)
  })

  it('should skip the notice when consent was given for this case in this tab', async () => {
    const { wrapper, pinia, router } = await mountFace()
    await click(wrapper, 'face-notice-agree')
    wrapper.unmount()
    expect(useFaceStore(pinia).hasConsent(makeCase().id)).toBe(true)

    const again = await mountAt(FacePage, '/face', { pinia, router })
    expect(byTestId(again.wrapper, 'face-rules').exists()).toBe(true)
    expect(faceApi.getFaceNotice).toHaveBeenCalledTimes(1)
  })

  it('should show the notice again when the challenge says consent is missing', async () => {
    vi.mocked(faceApi.requestFaceChallenge).mockRejectedValue(
      apiError(409, 'FACE_CONSENT_REQUIRED', '请先阅读并同意《人脸识别信息处理告知书》'),
    )
    const { wrapper } = await mountAtRules()
    await click(wrapper, 'face-rules-start')
    expect(byTestId(wrapper, 'face-notice').exists()).toBe(true)
    expect(streams[0]!.stop).toHaveBeenCalled()
  })
})

describe('face step: camera problems', () => {
  it.each([
    ['NotAllowedError', 'denied', '相机权限未开启', '请在系统设置中允许浏览器使用相机后重试'],
    ['NotFoundError', 'no-camera', '未检测到可用的前置摄像头', '请确认手机前置摄像头可以正常使用'],
    ['OverconstrainedError', 'no-camera', '未检测到可用的前置摄像头', '请确认手机前置摄像头可以正常使用'],
    ['NotReadableError', 'busy', '相机无法启动', '请关闭其他正在使用相机的应用后重试'],
  ])('should explain %s and offer retry and the branch', async (name, problem, title, advice) => {
    getUserMedia.mockRejectedValue(new DOMException('camera', name))
    const { wrapper } = await mountAtRules()
    await click(wrapper, 'face-rules-start')

    expect(byTestId(wrapper, 'face-camera-problem').attributes('data-problem')).toBe(problem)
    expect(byTestId(wrapper, 'face-camera-problem-title').text()).toBe(title)
    expect(byTestId(wrapper, 'face-camera-problem-advice').text()).toContain(advice)
    expect(byTestId(wrapper, 'face-branch').text()).toBe('前往营业部办理')
    expect(faceApi.requestFaceChallenge).not.toHaveBeenCalled()

    getUserMedia.mockImplementation(async () => fakeStream().stream)
    await click(wrapper, 'face-camera-retry')
    expect(getUserMedia).toHaveBeenCalledTimes(2)
    expect(faceApi.requestFaceChallenge).toHaveBeenCalledTimes(1)
  })

  it('should show the branch route from the camera problem screen, and come back', async () => {
    getUserMedia.mockRejectedValue(new DOMException('denied', 'NotAllowedError'))
    const { wrapper } = await mountAtRules()
    await click(wrapper, 'face-rules-start')
    await click(wrapper, 'face-branch')
    expect(byTestId(wrapper, 'face-branch-message').text()).toBe(BRANCH)
    expect(byTestId(wrapper, 'face-branch-back').text()).toBe('返回人脸识别')
    await click(wrapper, 'face-branch-back')
    expect(byTestId(wrapper, 'face-rules').exists()).toBe(true)
  })

  it.each([
    ['no getUserMedia', { mediaDevices: false }],
    ['no MediaRecorder', { recorder: false }],
  ])('should say the browser is unsupported with %s', async (_label, setup) => {
    installMedia(setup)
    const { wrapper } = await mountAtRules()
    await click(wrapper, 'face-rules-start')
    expect(byTestId(wrapper, 'face-camera-problem').attributes('data-problem')).toBe('unsupported')
    expect(byTestId(wrapper, 'face-camera-problem-title').text()).toBe('当前浏览器不支持人脸识别')
    expect(byTestId(wrapper, 'face-camera-problem-advice').text()).toContain('最新版本打开本页面后重试')
    expect(byTestId(wrapper, 'face-camera-retry').exists()).toBe(false)
    expect(byTestId(wrapper, 'face-branch').exists()).toBe(true)
    expect(getUserMedia).not.toHaveBeenCalled()
  })

  it('should say the browser is unsupported when it records none of the clip types, and close the camera', async () => {
    FakeMediaRecorder.supported = []
    const { wrapper } = await mountAtRules()
    await click(wrapper, 'face-rules-start')
    expect(byTestId(wrapper, 'face-camera-problem').attributes('data-problem')).toBe('unsupported')
    expect(streams[0]!.stop).toHaveBeenCalled()
    expect(faceApi.requestFaceChallenge).not.toHaveBeenCalled()
  })

  it('should explain an insecure (non-HTTPS) page', async () => {
    installMedia({ secure: false })
    const { wrapper } = await mountAtRules()
    await click(wrapper, 'face-rules-start')
    expect(byTestId(wrapper, 'face-camera-problem').attributes('data-problem')).toBe('insecure')
    expect(byTestId(wrapper, 'face-camera-problem-title').text()).toBe('当前页面连接不安全，无法使用相机')
    expect(byTestId(wrapper, 'face-camera-problem-advice').text()).toContain('https://')
    expect(getUserMedia).not.toHaveBeenCalled()
  })
})

describe('face step: results', () => {
  it('should go to step 4 (/idcard) when the result passed, with the case moved on', async () => {
    vi.mocked(tasksApi.getTask)
      .mockResolvedValueOnce({ task_id: TASK.task_id, status: 'running', result: null, error: null })
      .mockResolvedValueOnce({
        task_id: TASK.task_id,
        status: 'succeeded',
        result: attempt({ passed: true, status: 'passed', case_state: 'face_passed', current_step: 4 }),
        error: null,
      })
    vi.mocked(casesApi.getCurrentCase).mockResolvedValue(
      makeCase({ state: 'face_passed', state_label: '待上传身份证', current_step: 4, step_key: 'idcard' }),
    )
    const { wrapper, router, pinia } = await mountAtRules()
    await recordOnce(wrapper)
    expect(byTestId(wrapper, 'face-capture').attributes('data-phase')).toBe('analyzing')

    await advance(700)
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/idcard'))
    expect(tasksApi.getTask).toHaveBeenCalledTimes(2)
    expect(casesApi.getCurrentCase).toHaveBeenCalledTimes(1)
    const { useCaseStore } = await import('@/stores/case')
    expect(useCaseStore(pinia).current?.current_step).toBe(4)
  })

  it('should take the step from the result when the case cannot be reloaded', async () => {
    vi.mocked(tasksApi.getTask).mockResolvedValue({
      task_id: TASK.task_id,
      status: 'succeeded',
      result: attempt({ passed: true, status: 'passed', case_state: 'face_passed', current_step: 4 }),
      error: null,
    })
    vi.mocked(casesApi.getCurrentCase).mockRejectedValue(apiError(0, 'NETWORK_ERROR', '网络连接异常'))
    const { wrapper, router } = await mountAtRules()
    await recordOnce(wrapper)
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/idcard'))
  })

  it('should show each failure message, the attempts left, and retry with a new challenge', async () => {
    vi.mocked(tasksApi.getTask).mockResolvedValue({
      task_id: TASK.task_id,
      status: 'succeeded',
      result: attempt({
        failures: [
          { code: 'ACTION_MISSING', message: '未检测到要求的动作，请按提示放慢动作、幅度稍大一些' },
          { code: 'FACE_TOO_DARK', message: '光线太暗，请到光线充足的地方重试' },
        ],
      }),
      error: null,
    })
    const { wrapper, router } = await mountAtRules()
    await recordOnce(wrapper)

    expect(byTestId(wrapper, 'face-failed').text()).toContain('人脸识别未通过')
    expect(wrapper.findAll('[data-testid="face-failure"]').map((li) => li.text())).toEqual([
      '未检测到要求的动作，请按提示放慢动作、幅度稍大一些',
      '光线太暗，请到光线充足的地方重试',
    ])
    expect(byTestId(wrapper, 'face-attempts-left').text()).toBe('今日还可认证 4 次')
    expect(router.currentRoute.value.path).toBe('/face')

    await click(wrapper, 'face-retry')
    expect(getUserMedia).toHaveBeenCalledTimes(2)
    expect(faceApi.requestFaceChallenge).toHaveBeenCalledTimes(2)
    const keys = vi.mocked(faceApi.requestFaceChallenge).mock.calls.map((call) => call[0])
    expect(keys[0]).not.toBe(keys[1])
    expect(byTestId(wrapper, 'face-prompt').text()).toBe('请保持正对手机')
  })

  it('should show a refused upload (challenge expired) as a failure with retry', async () => {
    vi.mocked(faceApi.uploadFaceClip).mockRejectedValue(
      apiError(400, 'FACE_NONCE_EXPIRED', '认证超时（需在60秒内完成），请重新开始人脸识别'),
    )
    const { wrapper } = await mountAtRules()
    await recordOnce(wrapper)
    expect(wrapper.findAll('[data-testid="face-failure"]').map((li) => li.text())).toEqual([
      '认证超时（需在60秒内完成），请重新开始人脸识别',
    ])
    expect(byTestId(wrapper, 'face-retry').exists()).toBe(true)
    expect(tasksApi.getTask).not.toHaveBeenCalled()
  })

  it('should offer only the branch when the failed attempt was the last of the day', async () => {
    vi.mocked(faceApi.requestFaceChallenge).mockResolvedValue({ ...CHALLENGE, attempts_left: 0 })
    const { wrapper } = await mountAtRules()
    await recordOnce(wrapper)
    expect(byTestId(wrapper, 'face-attempts-left').text()).toContain('今日认证次数已用完')
    expect(byTestId(wrapper, 'face-exhausted-route').text()).toBe(BRANCH)
    expect(byTestId(wrapper, 'face-retry').exists()).toBe(false)
    expect(byTestId(wrapper, 'face-branch').exists()).toBe(true)
  })

  it('should show the branch route after FACE_ATTEMPTS_EXHAUSTED and close the camera', async () => {
    vi.mocked(faceApi.requestFaceChallenge).mockRejectedValue(
      apiError(429, 'FACE_ATTEMPTS_EXHAUSTED', `今日人脸识别次数已用完，请明天再试。${BRANCH}`, { retryable: false }),
    )
    const { wrapper } = await mountAtRules()
    await click(wrapper, 'face-rules-start')
    expect(byTestId(wrapper, 'face-exhausted').text()).toContain('今日认证次数已用完')
    expect(byTestId(wrapper, 'face-exhausted-message').text()).toBe(`今日人脸识别次数已用完，请明天再试。${BRANCH}`)
    expect(byTestId(wrapper, 'face-retry').exists()).toBe(false)
    expect(streams[0]!.stop).toHaveBeenCalled()
    expect(FakeMediaRecorder.instances).toHaveLength(0)
  })

  it('should give up polling after about 60 s with a clear message, and look up the result on request', async () => {
    vi.mocked(tasksApi.getTask).mockResolvedValue({ task_id: TASK.task_id, status: 'running', result: null, error: null })
    vi.mocked(faceApi.getLatestFaceAttempt).mockResolvedValue(
      attempt({ failures: [{ code: 'FACE_NOT_FOUND', message: '未检测到人脸，请正对手机' }] }),
    )
    const { wrapper } = await mountAtRules()
    await recordOnce(wrapper)
    await advance(59_000)
    expect(byTestId(wrapper, 'face-capture').attributes('data-phase')).toBe('analyzing')
    await advance(2_000)
    expect(byTestId(wrapper, 'face-timeout').text()).toContain('识别结果暂未返回')
    const polls = vi.mocked(tasksApi.getTask).mock.calls.length
    expect(polls).toBeGreaterThan(60)
    expect(polls).toBeLessThan(100)

    await click(wrapper, 'face-check-result')
    expect(wrapper.findAll('[data-testid="face-failure"]').map((li) => li.text())).toEqual(['未检测到人脸，请正对手机'])
  })

  it('should stop the camera and the recording when the page is left', async () => {
    const { wrapper } = await mountAtRules()
    await click(wrapper, 'face-rules-start')
    await advance(2000)
    const recorder = FakeMediaRecorder.instances[0]!
    expect(recorder.state).toBe('recording')
    expect(streams[0]!.stop).not.toHaveBeenCalled()
    wrapper.unmount()
    expect(streams[0]!.stop).toHaveBeenCalled()
    expect(recorder.state).toBe('inactive')
    await advance(10_000)
    expect(faceApi.uploadFaceClip).not.toHaveBeenCalled()
  })

  it('should offer to continue when the case is already past step 3', async () => {
    const { wrapper, router } = await mountFace(makeCase({ state: 'face_passed', current_step: 4, step_key: 'idcard' }))
    expect(faceApi.getFaceNotice).not.toHaveBeenCalled()
    await click(wrapper, 'face-continue')
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/idcard'))
  })
})
