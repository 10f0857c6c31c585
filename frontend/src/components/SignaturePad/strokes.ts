import type { Stroke, StrokePoint } from '@/api/signing'

/** Ink of the pad (CSS pixels at scale 1; the server draws the signature with the same width). */
export const INK_COLOR = '#1a1a1a'
export const INK_WIDTH = 3

/** What the server accepts (docs/api.md, `POST /signature`): more is SIGNATURE_TOO_COMPLEX. */
export const MAX_POINTS = 5000
export const MAX_POINTS_PER_STROKE = 2000

/**
 * The strokes within the server's point limits: a long signature drawn on a fast touch screen
 * is thinned out evenly, each stroke keeping its first and last point (its shape stays).
 */
export function thinStrokes(
  strokes: readonly Stroke[],
  maxPoints: number = MAX_POINTS,
  maxPerStroke: number = MAX_POINTS_PER_STROKE,
): Stroke[] {
  const total = strokes.reduce((n, s) => n + s.length, 0)
  // Every stroke keeps at least its two ends: reserve them before sharing out the rest.
  const ratio = total > maxPoints ? Math.max(0, maxPoints - 2 * strokes.length) / total : 1
  return strokes.map((stroke) => {
    const budget = Math.max(2, Math.min(maxPerStroke, Math.floor(stroke.length * ratio)))
    if (stroke.length <= budget) return stroke.map((p) => ({ ...p }))
    const step = (stroke.length - 1) / (budget - 1)
    return Array.from({ length: budget }, (_, i) => ({ ...stroke[Math.round(i * step)]! }))
  })
}

/** Points are kept to 0.1 CSS pixel: finer than any finger, and a smaller upload. */
export function roundCoord(value: number): number {
  return Math.round(value * 10) / 10
}

/**
 * Moves the strokes into a pad of another size (rotation, a resized window): one scale for
 * both axes, so the signature keeps its shape and stays inside the pad.
 */
export function scaleStrokes(
  strokes: readonly Stroke[],
  from: { width: number; height: number },
  to: { width: number; height: number },
): Stroke[] {
  if (from.width <= 0 || from.height <= 0) return strokes.map((s) => s.slice())
  const scale = Math.min(to.width / from.width, to.height / from.height)
  return strokes.map((stroke) =>
    stroke.map((p) => ({ x: roundCoord(p.x * scale), y: roundCoord(p.y * scale), t: p.t })),
  )
}

/** Draws one stroke as a smooth line: quadratic curves through the midpoints of its points. */
export function drawStroke(ctx: CanvasRenderingContext2D, stroke: readonly StrokePoint[]): void {
  const first = stroke[0]
  if (!first) return
  ctx.beginPath()
  if (stroke.length === 1) {
    ctx.arc(first.x, first.y, INK_WIDTH / 2, 0, Math.PI * 2)
    ctx.fill()
    return
  }
  ctx.moveTo(first.x, first.y)
  for (let i = 1; i < stroke.length - 1; i++) {
    const p = stroke[i]!
    const next = stroke[i + 1]!
    ctx.quadraticCurveTo(p.x, p.y, (p.x + next.x) / 2, (p.y + next.y) / 2)
  }
  const last = stroke[stroke.length - 1]!
  ctx.lineTo(last.x, last.y)
  ctx.stroke()
}

/** Draws the tail of a stroke being drawn: the curve from the previous midpoint to the newest. */
export function drawStrokeTail(ctx: CanvasRenderingContext2D, stroke: readonly StrokePoint[]): void {
  const n = stroke.length
  if (n < 2) {
    drawStroke(ctx, stroke)
    return
  }
  const a = stroke[n - 3]
  const b = stroke[n - 2]!
  const c = stroke[n - 1]!
  ctx.beginPath()
  if (a) ctx.moveTo((a.x + b.x) / 2, (a.y + b.y) / 2)
  else ctx.moveTo(b.x, b.y)
  ctx.quadraticCurveTo(b.x, b.y, (b.x + c.x) / 2, (b.y + c.y) / 2)
  ctx.stroke()
}

export function setInk(ctx: CanvasRenderingContext2D): void {
  ctx.strokeStyle = INK_COLOR
  ctx.fillStyle = INK_COLOR
  ctx.lineWidth = INK_WIDTH
  ctx.lineCap = 'round'
  ctx.lineJoin = 'round'
}
