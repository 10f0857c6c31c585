import { flushPromises, type VueWrapper } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as authApi from '@/api/auth'
import * as casesApi from '@/api/cases'
import * as idcardApi from '@/api/idcard'
import * as metaApi from '@/api/meta'
import * as tasksApi from '@/api/tasks'
import { apiError, makeCase, makeMeta, makeSession, mountAt } from '@/test-utils'
import * as imagePrep from '@/utils/image-prep'
import IdCardPage from '../index.vue'

vi.mock('@/api/meta')
vi.mock('@/api/auth')
vi.mock('@/api/idcard', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/api/idcard')>()),
  uploadIdCardSide: vi.fn(),
  getIdCard: vi.fn(),
  confirmIdCard: vi.fn(),
  createDemoIdCards: vi.fn(),
}))
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
vi.mock('@/utils/image-prep', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/utils/image-prep')>()),
  prepareImage: vi.fn(),
}))

type Side = idcardApi.IdCardSide

function sideOut(side: Side, overrides: Partial<idcardApi.IdCardSideOut> = {}): idcardApi.IdCardSideOut {
  const fields =
    side === 'front'
      ? { name: '张三', sex: '男', ethnicity: '汉', birth_date: '1990-01-05', address: '北京市东城区东华门街道1号', id_number_masked: '110101********1234' }
      : { issuer: '北京市公安局东城分局', valid_from: '2026-05-01', valid_to: '2046-05-01', long_term: false }
  return { side, status: 'accepted', accepted: true, fields, warnings: [], uploaded_at: '2026-11-25T09:05:00+08:00', ...overrides }
}

const GLARE = {
  code: 'IDCARD_GLARE',
  message: '证件有反光，文字看不清，请避开灯光、关闭闪光灯后重新拍摄',
  blocking: true,
}
const SOFT = { code: 'IDCARD_LOW_CONTRAST', message: '照片略暗，已提交人工复核', blocking: false }

/** The OCR result each uploaded photo gets, by side (a queue per side). */
let outcomes: Record<Side, idcardApi.IdCardSideOut[]>
let uploads: { side: Side; input: idcardApi.IdCardImageIn; key: string }[]
let prepared: Blob[]

function byTestId(wrapper: VueWrapper, id: string) {
  return wrapper.find(`[data-testid="${id}"]`)
}

/** What the file chooser hands back: the camera's photo of one side. */
async function choosePhoto(wrapper: VueWrapper, side: Side, source: 'camera' | 'album' = 'album'): Promise<File> {
  const file = new File([new Uint8Array(2048)], `IMG_${side}.jpg`, { type: 'image/jpeg' })
  const input = byTestId(wrapper, `idcard-input-${side}-${source}`)
  Object.defineProperty(input.element, 'files', { configurable: true, value: [file] })
  await input.trigger('change')
  await flushPromises()
  return file
}

function confirmButton(wrapper: VueWrapper) {
  return byTestId(wrapper, 'idcard-confirm')
}

async function mountIdCard(current = makeCase({ state: 'face_passed', current_step: 4, step_key: 'idcard' })) {
  vi.mocked(authApi.getSession).mockResolvedValue(makeSession({ case: current }))
  return mountAt(IdCardPage, '/idcard')
}

beforeEach(() => {
  vi.mocked(metaApi.getMeta).mockResolvedValue(makeMeta())
  vi.mocked(idcardApi.getIdCard).mockResolvedValue({ front: null, back: null, ready: false })
  outcomes = { front: [sideOut('front')], back: [sideOut('back')] }
  uploads = []
  prepared = []
  vi.mocked(imagePrep.prepareImage).mockImplementation(async () => {
    const blob = new Blob([new Uint8Array(512)], { type: 'image/jpeg' })
    prepared.push(blob)
    return { blob, width: 1600, height: 1200, resized: true }
  })
  vi.mocked(idcardApi.uploadIdCardSide).mockImplementation(async (side, input, key, options) => {
    uploads.push({ side, input, key })
    options?.onProgress?.(100)
    return { task_id: `task-${side}-${uploads.length}`, status: 'pending' }
  })
  vi.mocked(tasksApi.getTask).mockImplementation(async (taskId) => {
    const side = taskId.split('-')[1] as Side
    const result = outcomes[side].shift() ?? sideOut(side)
    return { task_id: taskId, status: 'succeeded', result: result as never, error: null }
  })
  vi.mocked(idcardApi.confirmIdCard).mockResolvedValue({
    name: '张三',
    sex: '男',
    ethnicity: '汉',
    birth_date: '1990-01-05',
    address: '北京市东城区东华门街道1号',
    id_number_masked: '110101********1234',
    issuer: '北京市公安局东城分局',
    valid_from: '2026-05-01',
    valid_to: '2046-05-01',
    long_term: false,
    face_match: { checked: true, passed: true, message: null },
  })
  vi.mocked(casesApi.getCurrentCase).mockResolvedValue(
    makeCase({ state: 'idcard_read', current_step: 5, step_key: 'identity' }),
  )
  vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: vi.fn(() => 'blob:preview'), revokeObjectURL: vi.fn() }))
})

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('idcard step: capture', () => {
  it('should show the seed texts and a card outline on each tile', async () => {
    const { wrapper } = await mountIdCard()
    expect(byTestId(wrapper, 'idcard-lead').text()).toBe('请按要求分别上传身份证正反面')
    expect(byTestId(wrapper, 'idcard-hint').text()).toContain('请注意保持身份证照片清晰、不切边')
    expect(byTestId(wrapper, 'idcard-side-front').text()).toContain('上传身份证正面(人像面)')
    expect(byTestId(wrapper, 'idcard-side-back').text()).toContain('上传身份证反面(国徽面)')
    expect(wrapper.findAll('.id-card-outline')).toHaveLength(2)
    expect(confirmButton(wrapper).text()).toBe('确定')
    expect(confirmButton(wrapper).attributes('disabled')).toBeDefined()
    expect(idcardApi.getIdCard).toHaveBeenCalledTimes(1)
  })

  it('should offer the camera (rear) or the album for JPEG or PNG', async () => {
    const { wrapper } = await mountIdCard()
    const camera = byTestId(wrapper, 'idcard-input-front-camera')
    const album = byTestId(wrapper, 'idcard-input-front-album')
    expect(camera.attributes('capture')).toBe('environment')
    expect(camera.attributes('accept')).toBe('image/jpeg,image/png')
    expect(album.attributes('capture')).toBeUndefined()
    expect(album.attributes('accept')).toBe('image/jpeg,image/png')

    const clicked = vi.spyOn(camera.element as HTMLInputElement, 'click').mockImplementation(() => undefined)
    await byTestId(wrapper, 'idcard-tile-front').trigger('click')
    await flushPromises()
    const actions = Array.from(document.querySelectorAll('.van-action-sheet__item')) as HTMLElement[]
    expect(actions.map((a) => a.textContent?.trim())).toEqual(['拍照', '从相册选择'])
    actions[0]!.click()
    expect(clicked).toHaveBeenCalledTimes(1)
  })

  it('should upload both sides and enable 确定 only when both are accepted', async () => {
    const { wrapper, router } = await mountIdCard()

    const photo = await choosePhoto(wrapper, 'front', 'camera')
    expect(imagePrep.prepareImage).toHaveBeenCalledWith(photo)
    expect(uploads).toHaveLength(1)
    expect(uploads[0]!.side).toBe('front')
    expect(uploads[0]!.input).toEqual({ image: prepared[0], filename: 'front.jpg' })
    expect(uploads[0]!.key).toMatch(/^[0-9a-f-]{36}$/)
    expect(tasksApi.getTask).toHaveBeenCalledWith('task-front-1', expect.anything())
    expect(byTestId(wrapper, 'idcard-preview-front').attributes('src')).toBe('blob:preview')
    expect(byTestId(wrapper, 'idcard-status-front').text()).toBe('识别通过')
    expect(confirmButton(wrapper).attributes('disabled')).toBeDefined()

    await choosePhoto(wrapper, 'back')
    expect(uploads[1]!.side).toBe('back')
    expect(uploads[1]!.key).not.toBe(uploads[0]!.key)
    expect(byTestId(wrapper, 'idcard-status-back').text()).toBe('识别通过')
    expect(confirmButton(wrapper).attributes('disabled')).toBeUndefined()

    await confirmButton(wrapper).trigger('click')
    await flushPromises()
    expect(idcardApi.confirmIdCard).toHaveBeenCalledTimes(1)
    expect(vi.mocked(idcardApi.confirmIdCard).mock.calls[0]![0]).toMatch(/^[0-9a-f-]{36}$/)
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/identity'))
  })

  it('should show the progress of the upload and then 正在识别', async () => {
    let finish: (value: tasksApi.TaskAccepted) => void = () => undefined
    let report: ((percent: number) => void) | undefined
    vi.mocked(idcardApi.uploadIdCardSide).mockImplementation((_side, _input, _key, options) => {
      report = options?.onProgress
      return new Promise((resolve) => {
        finish = resolve
      })
    })
    const { wrapper } = await mountIdCard()
    await choosePhoto(wrapper, 'front')
    report?.(42)
    await flushPromises()
    expect(byTestId(wrapper, 'idcard-busy-front').text()).toContain('正在上传 42%')
    expect(wrapper.find('[data-testid="idcard-busy-front"] .van-progress').exists()).toBe(true)
    report?.(100)
    await flushPromises()
    expect(byTestId(wrapper, 'idcard-busy-front').text()).toContain('正在识别')
    finish({ task_id: 'task-front-1', status: 'pending' })
    await flushPromises()
    expect(byTestId(wrapper, 'idcard-status-front').text()).toBe('识别通过')
  })

  it('should show the sides already accepted when the page opens', async () => {
    vi.mocked(idcardApi.getIdCard).mockResolvedValue({ front: sideOut('front'), back: sideOut('back'), ready: true })
    const { wrapper } = await mountIdCard()
    expect(byTestId(wrapper, 'idcard-status-front').text()).toBe('识别通过')
    expect(byTestId(wrapper, 'idcard-status-back').text()).toBe('识别通过')
    expect(byTestId(wrapper, 'idcard-retake-front').exists()).toBe(true)
    expect(confirmButton(wrapper).attributes('disabled')).toBeUndefined()
  })

  it('should show a blocking warning with its message and 重拍, and keep the other side', async () => {
    outcomes.back = [sideOut('back', { accepted: false, warnings: [GLARE] }), sideOut('back')]
    const { wrapper } = await mountIdCard()
    await choosePhoto(wrapper, 'front')
    await choosePhoto(wrapper, 'back')

    expect(byTestId(wrapper, 'idcard-status-back').text()).toBe('请重新拍摄')
    expect(byTestId(wrapper, 'idcard-blocking-back').text()).toBe(GLARE.message)
    expect(byTestId(wrapper, 'idcard-retake-back').text()).toBe('重拍')
    expect(byTestId(wrapper, 'idcard-status-front').text()).toBe('识别通过')
    expect(confirmButton(wrapper).attributes('disabled')).toBeDefined()

    await choosePhoto(wrapper, 'back', 'camera')
    expect(uploads.filter((u) => u.side === 'front')).toHaveLength(1)
    expect(byTestId(wrapper, 'idcard-blocking-back').exists()).toBe(false)
    expect(byTestId(wrapper, 'idcard-status-back').text()).toBe('识别通过')
    expect(byTestId(wrapper, 'idcard-status-front').text()).toBe('识别通过')
    expect(confirmButton(wrapper).attributes('disabled')).toBeUndefined()
  })

  it('should show a non-blocking warning as a soft notice on an accepted side', async () => {
    outcomes.front = [sideOut('front', { warnings: [SOFT] })]
    const { wrapper } = await mountIdCard()
    await choosePhoto(wrapper, 'front')
    expect(byTestId(wrapper, 'idcard-status-front').text()).toBe('识别通过')
    expect(byTestId(wrapper, 'idcard-notice-front').text()).toContain(SOFT.message)
    expect(byTestId(wrapper, 'idcard-blocking-front').exists()).toBe(false)
  })

  it('should retry a failed upload with the same photo and key, without touching the other side', async () => {
    const { wrapper } = await mountIdCard()
    await choosePhoto(wrapper, 'front')
    vi.mocked(idcardApi.uploadIdCardSide).mockImplementationOnce(async (side, input, key) => {
      uploads.push({ side, input, key })
      throw apiError(0, 'NETWORK_ERROR', '网络连接异常，请检查网络后重试')
    })
    await choosePhoto(wrapper, 'back')

    expect(byTestId(wrapper, 'idcard-error-back').text()).toContain('网络连接异常，请检查网络后重试')
    expect(byTestId(wrapper, 'idcard-status-front').text()).toBe('识别通过')
    expect(confirmButton(wrapper).attributes('disabled')).toBeDefined()

    await byTestId(wrapper, 'idcard-retry-back').trigger('click')
    await flushPromises()
    const backs = uploads.filter((u) => u.side === 'back')
    expect(backs).toHaveLength(2)
    expect(backs[1]!.input.image).toBe(backs[0]!.input.image)
    expect(backs[1]!.key).toBe(backs[0]!.key)
    expect(imagePrep.prepareImage).toHaveBeenCalledTimes(2)
    expect(byTestId(wrapper, 'idcard-status-back').text()).toBe('识别通过')
    expect(confirmButton(wrapper).attributes('disabled')).toBeUndefined()
  })

  it('should ask for a new photo (no retry) when the server refuses the file', async () => {
    vi.mocked(idcardApi.uploadIdCardSide).mockRejectedValueOnce(
      apiError(413, 'IMAGE_TOO_LARGE', '照片超过10MB，请重新拍摄', { retryable: false }),
    )
    const { wrapper } = await mountIdCard()
    await choosePhoto(wrapper, 'front')
    expect(byTestId(wrapper, 'idcard-error-front').text()).toContain('照片超过10MB，请重新拍摄')
    expect(byTestId(wrapper, 'idcard-retry-front').exists()).toBe(false)
    expect(byTestId(wrapper, 'idcard-retake-front').exists()).toBe(true)
    const options = vi.mocked(idcardApi.uploadIdCardSide).mock.calls[0]![3]!
    const silent = options.silent as (e: ReturnType<typeof apiError>) => boolean
    expect(silent(apiError(413, 'IMAGE_TOO_LARGE', ''))).toBe(true)
    expect(silent(apiError(0, 'NETWORK_ERROR', ''))).toBe(false)
  })

  it('should show a failed OCR task with its message', async () => {
    vi.mocked(tasksApi.getTask).mockResolvedValueOnce({
      task_id: 'task-front-1',
      status: 'failed',
      result: null,
      error: { code: 'IDCARD_NOT_A_CARD', message: '未识别到身份证，请拍摄身份证原件', retryable: false },
    })
    const { wrapper } = await mountIdCard()
    await choosePhoto(wrapper, 'front')
    expect(byTestId(wrapper, 'idcard-error-front').text()).toContain('未识别到身份证，请拍摄身份证原件')
    expect(byTestId(wrapper, 'idcard-retry-front').exists()).toBe(false)
  })

  it('should upload the original file when the browser cannot read it', async () => {
    vi.mocked(imagePrep.prepareImage).mockRejectedValueOnce(new imagePrep.ImagePrepError('the image cannot be decoded'))
    const { wrapper } = await mountIdCard()
    const photo = await choosePhoto(wrapper, 'front')
    expect(uploads[0]!.input).toEqual({ image: photo, filename: 'IMG_front.jpg' })
  })
})

describe('idcard step: confirm refusals', () => {
  async function mountReady() {
    vi.mocked(idcardApi.getIdCard).mockResolvedValue({ front: sideOut('front'), back: sideOut('back'), ready: true })
    return mountIdCard()
  }

  it.each([
    ['IDCARD_NUMBER_CHANGED', '身份证号码与我司留存的不一致，属于证件变更业务，请携带新旧身份证到任一营业部临柜办理。'],
    ['IDCARD_NAME_CHANGED', '姓名与我司留存的不一致，属于证件变更业务，请到任一营业部临柜办理。'],
  ])('should show %s in a dialog with the branch route', async (code, message) => {
    vi.mocked(idcardApi.confirmIdCard).mockRejectedValue(apiError(409, code, message, { retryable: false }))
    const { wrapper, router } = await mountReady()
    await confirmButton(wrapper).trigger('click')
    await flushPromises()

    const options = vi.mocked(idcardApi.confirmIdCard).mock.calls[0]![1]!
    expect((options.silent as (e: ReturnType<typeof apiError>) => boolean)(apiError(409, code, message))).toBe(true)
    await vi.waitFor(() => expect(document.querySelector('.idcard-branch-dialog')).not.toBeNull())
    const dialog = document.querySelector('.idcard-branch-dialog') as HTMLElement
    expect(dialog.textContent).toContain('请前往营业部办理')
    expect(dialog.textContent).toContain(message)
    expect(router.currentRoute.value.path).toBe('/idcard')

    ;(dialog.querySelector('.van-dialog__confirm') as HTMLElement).click()
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/'))
  })

  it('should leave other refusals to the toast and stay on the page', async () => {
    vi.mocked(idcardApi.confirmIdCard).mockRejectedValue(
      apiError(422, 'IDCARD_NOT_NEWER', '新证件的有效期应晚于原证件，请上传新领取的身份证', { retryable: false }),
    )
    const { wrapper, router } = await mountReady()
    await confirmButton(wrapper).trigger('click')
    await flushPromises()
    const options = vi.mocked(idcardApi.confirmIdCard).mock.calls[0]![1]!
    expect((options.silent as (e: ReturnType<typeof apiError>) => boolean)(apiError(422, 'IDCARD_NOT_NEWER', ''))).toBe(false)
    expect(document.querySelector('.idcard-branch-dialog')).toBeNull()
    expect(router.currentRoute.value.path).toBe('/idcard')
    expect(confirmButton(wrapper).attributes('disabled')).toBeUndefined()
  })
})

describe('idcard step: the demo card with the customer\'s own face', () => {
  it('should not offer it outside the demo', async () => {
    const { wrapper } = await mountIdCard()
    expect(byTestId(wrapper, 'idcard-demo').exists()).toBe(false)
  })

  it('should make both sides on the server, show their OCR results and enable 确定', async () => {
    vi.mocked(metaApi.getMeta).mockResolvedValue(makeMeta({ demo: true }))
    vi.mocked(idcardApi.createDemoIdCards).mockResolvedValue({
      front: { task_id: 'demo-front-1', status: 'succeeded' },
      back: { task_id: 'demo-back-1', status: 'succeeded' },
    })
    const { wrapper } = await mountIdCard()
    expect(byTestId(wrapper, 'idcard-demo').text()).toContain('人脸')
    expect(confirmButton(wrapper).attributes('disabled')).toBeDefined()

    await byTestId(wrapper, 'idcard-demo-generate').trigger('click')
    await flushPromises()

    expect(idcardApi.createDemoIdCards).toHaveBeenCalledTimes(1)
    const key = vi.mocked(idcardApi.createDemoIdCards).mock.calls[0]![0]
    expect(key).toMatch(/^[0-9a-f-]{36}$/)
    const polled = vi.mocked(tasksApi.getTask).mock.calls.map((c) => c[0])
    expect(polled).toEqual(['demo-front-1', 'demo-back-1'])
    expect(uploads).toEqual([]) // nothing uploaded from the phone
    expect(confirmButton(wrapper).attributes('disabled')).toBeUndefined()
  })

  it('should keep the page usable when the server refuses (toasted by the client)', async () => {
    vi.mocked(metaApi.getMeta).mockResolvedValue(makeMeta({ demo: true }))
    vi.mocked(idcardApi.createDemoIdCards).mockRejectedValue(
      apiError(409, 'DEMO_NO_BEST_FRAME', '未找到本次人脸识别的照片，请拍摄或上传身份证照片', { retryable: false }),
    )
    const { wrapper } = await mountIdCard()
    await byTestId(wrapper, 'idcard-demo-generate').trigger('click')
    await flushPromises()
    expect(byTestId(wrapper, 'idcard-demo-generate').attributes('disabled')).toBeUndefined()
    expect(confirmButton(wrapper).attributes('disabled')).toBeDefined()
    expect(idcardApi.getIdCard).toHaveBeenCalledTimes(2) // reloaded what the server has
  })
})
