import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { CaseOut } from '@/api/cases'
import {
  type AgreementEvent,
  type AgreementOut,
  type AgreementReadOut,
  finishAgreements,
  getAgreements,
  getDocuments,
  markAgreementRead,
  postAgreementEvent,
  type SignatureIn,
  type SignedOut,
  submitCase,
  submitSignature,
} from '@/api/signing'
import type { TaskAccepted } from '@/api/tasks'
import { useIdempotencyKey } from '@/composables/use-idempotency-key'
import { AUTH_LOST_CODES } from '@/utils/api-error'
import type { RequestOptions } from '@/utils/request'
import { uuid4 } from '@/utils/uuid'
import { useCaseStore } from './case'

/**
 * Steps 7–9: the agreements and their reading, the signature and the signed documents.
 * Memory only (the agreements carry personal data).
 */
export const useSigningStore = defineStore('signing', () => {
  const agreements = ref<AgreementOut[]>([])
  const allRead = ref(false)
  const minReadSeconds = ref(0)
  const signed = ref<SignedOut | null>(null)
  const readKey = useIdempotencyKey()
  const doneKey = useIdempotencyKey()
  const signatureKey = useIdempotencyKey()
  const submitKey = useIdempotencyKey()

  const loaded = computed(() => agreements.value.length > 0)

  async function loadAgreements(options?: RequestOptions): Promise<void> {
    const answer = await getAgreements(options)
    agreements.value = answer.agreements
    allRead.value = answer.all_read
    minReadSeconds.value = answer.min_read_seconds
  }

  /**
   * An audit event of one reading. It never stops the customer: a lost event shows up as a
   * refusal of 已阅读 (AGREEMENT_NOT_SCROLLED), whose message says what to do. Only a lost
   * session is reported (and sends the customer to sign in).
   */
  async function track(agreement: AgreementOut, event: AgreementEvent, elapsedMs: number): Promise<boolean> {
    const body = { version: agreement.version, event, elapsed_ms: Math.max(0, Math.round(elapsedMs)) }
    try {
      await postAgreementEvent(agreement.key, body, uuid4(), { silent: (e) => !AUTH_LOST_CODES.has(e.code) })
      return true
    } catch {
      return false
    }
  }

  /** 已阅读: refusals (AGREEMENT_TOO_FAST, …) are toasted and rethrown for the viewer. */
  async function markRead(agreement: AgreementOut): Promise<AgreementReadOut> {
    const body = { key: agreement.key, version: agreement.version }
    const answer = await readKey.run(body, (key) => markAgreementRead(agreement.key, agreement.version, key))
    agreements.value = agreements.value.map((a) =>
      a.key === agreement.key && a.version === agreement.version ? { ...a, read: true } : a,
    )
    allRead.value = answer.all_read
    return answer
  }

  function applyCase(answer: CaseOut): CaseOut {
    useCaseStore().setCurrent(answer)
    return answer
  }

  /** 下一步 → step 8 (409 AGREEMENTS_NOT_READ while one is unread). */
  async function finishReading(): Promise<CaseOut> {
    return applyCase(await doneKey.run({}, (key) => finishAgreements(key)))
  }

  /** 确认提交: 202 with the signing task; SIGNATURE_EMPTY / SIGNATURE_TOO_SMALL are rethrown. */
  async function sign(input: SignatureIn): Promise<TaskAccepted> {
    return signatureKey.run(input, (key) => submitSignature(input, key))
  }

  /** The signing task's result: the case moved to step 9. */
  async function signingDone(result: SignedOut): Promise<void> {
    signed.value = result
    await useCaseStore().advance({ case_state: result.case_state, current_step: 9 })
  }

  async function loadDocuments(options?: RequestOptions): Promise<SignedOut> {
    const answer = await getDocuments(options)
    signed.value = answer
    return answer
  }

  /** 确定 on step 9 → step 10 (提交完成 等待办理). */
  async function submit(): Promise<CaseOut> {
    return applyCase(await submitKey.run({}, (key) => submitCase(key)))
  }

  /** The case went back to an earlier step (需补充): what was loaded and signed is out of date. */
  function forget(): void {
    agreements.value = []
    allRead.value = false
    signed.value = null
  }

  return {
    forget,
    agreements,
    allRead,
    minReadSeconds,
    signed,
    loaded,
    loadAgreements,
    track,
    markRead,
    finishReading,
    sign,
    signingDone,
    loadDocuments,
    submit,
  }
})
