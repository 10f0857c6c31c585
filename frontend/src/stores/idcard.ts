import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { CaseOut } from '@/api/cases'
import {
  confirmIdCard,
  confirmIdentity,
  getIdCard,
  getIdentity,
  getUpdate,
  type IdCardSide,
  type IdCardSideOut,
  type IdentityOut,
  retakeIdentity,
  submitUpdate,
  type UpdateIn,
  type UpdateOut,
} from '@/api/idcard'
import type { RequestOptions } from '@/utils/request'
import { useIdempotencyKey } from '@/composables/use-idempotency-key'
import { useCaseStore } from './case'

/**
 * Steps 4–6: the two card sides as the server has them, the identity read from them and the
 * update form's values. Memory only (personal data is never written to storage).
 */
export const useIdCardStore = defineStore('idcard', () => {
  const sides = ref<Record<IdCardSide, IdCardSideOut | null>>({ front: null, back: null })
  const identity = ref<IdentityOut | null>(null)
  const update = ref<UpdateOut | null>(null)
  const confirmKey = useIdempotencyKey()
  const identityConfirmKey = useIdempotencyKey()
  const retakeKey = useIdempotencyKey()
  const updateKey = useIdempotencyKey()

  /** Both sides uploaded and accepted: 确定 may be pressed. */
  const ready = computed(() => sides.value.front?.accepted === true && sides.value.back?.accepted === true)

  /** `GET /idcard`: the sides accepted or refused so far (e.g. after a reload). */
  async function loadSides(options?: RequestOptions): Promise<void> {
    const answer = await getIdCard(options)
    sides.value = { front: answer.front, back: answer.back }
  }

  /** The OCR result of a new photo, or null while a new photo of that side is on its way. */
  function setSide(side: IdCardSide, value: IdCardSideOut | null): void {
    sides.value = { ...sides.value, [side]: value }
  }

  /** `POST /idcard/confirm`: the rules and the record on file; the case moves to step 5. */
  async function confirmSides(options?: RequestOptions): Promise<IdentityOut> {
    const read = await confirmKey.run({}, (key) => confirmIdCard(key, options))
    identity.value = read
    await useCaseStore().advance({ case_state: 'idcard_read', current_step: 5 })
    return read
  }

  async function loadIdentity(): Promise<IdentityOut> {
    const read = await getIdentity()
    identity.value = read
    return read
  }

  function applyCase(answer: CaseOut): CaseOut {
    useCaseStore().setCurrent(answer)
    return answer
  }

  /** 确认无误 → step 6. */
  async function confirmIdentityRead(): Promise<CaseOut> {
    return applyCase(await identityConfirmKey.run({}, (key) => confirmIdentity(key)))
  }

  /** 信息有误，重新上传 → step 4; the photos of the case are to be taken again. */
  async function retake(): Promise<CaseOut> {
    const answer = applyCase(await retakeKey.run({}, (key) => retakeIdentity(key)))
    identity.value = null
    update.value = null
    return answer
  }

  async function loadUpdate(): Promise<UpdateOut> {
    const values = await getUpdate()
    update.value = values
    return values
  }

  /** 提交 → step 7; a 422 names the rule broken (rethrown for the form). */
  async function submit(input: UpdateIn, options?: RequestOptions): Promise<CaseOut> {
    return applyCase(await updateKey.run(input, (key) => submitUpdate(input, key, options)))
  }

  return {
    sides,
    identity,
    update,
    ready,
    loadSides,
    setSide,
    confirmSides,
    loadIdentity,
    confirmIdentityRead,
    retake,
    loadUpdate,
    submit,
  }
})
