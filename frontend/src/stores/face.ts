import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { consentToFaceNotice, declineFace, type FaceConsentOut, type FaceNoticeOut, getFaceNotice } from '@/api/face'
import { useIdempotencyKey } from '@/composables/use-idempotency-key'
import { isApiError } from '@/utils/api-error'
import { t } from '@/utils/i18n'

interface ConsentGiven {
  caseId: string
  version: string
}

/**
 * Step 3's notice and consent. Memory only: consent given in this tab lets the customer skip
 * the notice when coming back to step 3 of the same case; the server keeps the record.
 */
export const useFaceStore = defineStore('face', () => {
  const notice = ref<FaceNoticeOut | null>(null)
  const consent = ref<ConsentGiven | null>(null)
  const consentKey = useIdempotencyKey()
  const declineKey = useIdempotencyKey()

  /** The branch route, from the notice when it was loaded. */
  const branchRoute = computed(() => notice.value?.branch_route || t('face.branch.default'))

  async function loadNotice(): Promise<FaceNoticeOut> {
    const loaded = await getFaceNotice()
    notice.value = loaded
    return loaded
  }

  /** True when consent to the loaded notice's version was given for this case in this tab. */
  function hasConsent(caseId: string | undefined): boolean {
    return (
      caseId !== undefined &&
      notice.value !== null &&
      consent.value?.caseId === caseId &&
      consent.value.version === notice.value.version
    )
  }

  /** `POST /consent` with the version shown. On FACE_NOTICE_OUTDATED the newer notice is loaded, and the error rethrown. */
  async function agree(caseId: string): Promise<FaceConsentOut> {
    if (!notice.value) throw new Error('notice not loaded')
    const body = { notice_version: notice.value.version }
    try {
      const given = await consentKey.run(body, (key) => consentToFaceNotice(body, key))
      consent.value = { caseId, version: given.notice_version }
      return given
    } catch (error) {
      if (isApiError(error, 'FACE_NOTICE_OUTDATED')) await loadNotice().catch(() => undefined)
      throw error
    }
  }

  /** The server says consent is missing (or for an older notice): show the notice again. */
  function forgetConsent(): void {
    consent.value = null
  }

  /** `POST /decline`: recorded for the reviewers; answers the branch route. */
  async function decline(): Promise<string> {
    const answer = await declineKey.run({}, (key) => declineFace(key))
    return answer.message || branchRoute.value
  }

  return { notice, consent, branchRoute, loadNotice, hasConsent, agree, forgetConsent, decline }
})
