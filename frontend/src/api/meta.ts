import { type RequestOptions, request } from '@/utils/request'
import type { Schemas } from './contract'

/** `HH:MM`, Asia/Shanghai */
export type BusinessHours = Schemas['HoursOut']

export type StepInfo = Schemas['StepOut']

/** `next_open`: ISO 8601 with +08:00; null while the service is open. */
export type MetaOut = Schemas['MetaOut']

/** Service information; also sets the `csrftoken` cookie. */
export async function getMeta(options?: RequestOptions): Promise<MetaOut> {
  const { data } = await request.get<MetaOut>('/meta', options)
  return data
}
