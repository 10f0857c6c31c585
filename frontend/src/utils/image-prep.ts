/**
 * Prepares a phone photo for upload: upright (EXIF orientation applied), at most 1600 px on
 * its long side, re-encoded as JPEG. Re-encoding also drops the photo's EXIF block (GPS
 * position, device) before it leaves the phone. The server checks the bytes again.
 */

/** The long side the OCR needs; a 12 MP phone photo shrinks from about 4 MB to 300–500 KB. */
export const MAX_LONG_SIDE = 1600
export const JPEG_QUALITY = 0.9
export const OUTPUT_TYPE = 'image/jpeg'

export interface Size {
  width: number
  height: number
}

export interface PreparedImage extends Size {
  blob: Blob
  /** True when the photo was scaled down. */
  resized: boolean
}

export class ImagePrepError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ImagePrepError'
  }
}

/**
 * The size of an image of `size` scaled (never up) so that its long side is at most
 * `maxLongSide`, keeping the aspect ratio; each side at least 1 px.
 */
export function fitWithin(size: Size, maxLongSide: number = MAX_LONG_SIDE): Size {
  const { width, height } = size
  if (!(width > 0 && height > 0 && Number.isFinite(width) && Number.isFinite(height))) {
    throw new ImagePrepError(`invalid image size ${width}×${height}`)
  }
  if (!(maxLongSide >= 1)) throw new ImagePrepError(`invalid limit ${maxLongSide}`)
  const scale = Math.min(1, maxLongSide / Math.max(width, height))
  if (scale === 1) return { width, height }
  return {
    width: Math.min(maxLongSide, Math.max(1, Math.round(width * scale))),
    height: Math.min(maxLongSide, Math.max(1, Math.round(height * scale))),
  }
}

interface Decoded extends Size {
  source: CanvasImageSource
  release: () => void
}

/**
 * Decodes with EXIF orientation applied: `createImageBitmap(…, {imageOrientation: 'from-image'})`,
 * else an `<img>` (the browsers we target orient images by default: CSS `image-orientation:
 * from-image`, Chrome 81+, Safari 13.1+), whose natural size is then the upright size.
 */
function loadImage(img: HTMLImageElement, url: string): Promise<void> {
  if (typeof img.decode === 'function') {
    img.decoding = 'async'
    img.src = url
    return img.decode()
  }
  return new Promise((resolve, reject) => {
    img.onload = () => resolve()
    img.onerror = () => reject(new ImagePrepError('the image cannot be decoded'))
    img.src = url
  })
}

async function decode(file: Blob): Promise<Decoded> {
  if (typeof createImageBitmap === 'function') {
    try {
      const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' })
      return { source: bitmap, width: bitmap.width, height: bitmap.height, release: () => bitmap.close() }
    } catch {
      // Some web views cannot decode a Blob into a bitmap: the <img> path below.
    }
  }
  const url = URL.createObjectURL(file)
  const img = new Image()
  try {
    await loadImage(img, url)
  } catch {
    URL.revokeObjectURL(url)
    throw new ImagePrepError('the image cannot be decoded')
  }
  return { source: img, width: img.naturalWidth, height: img.naturalHeight, release: () => URL.revokeObjectURL(url) }
}

function toBlob(canvas: HTMLCanvasElement, type: string, quality: number): Promise<Blob> {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new ImagePrepError('the image cannot be encoded'))), type, quality)
  })
}

/** Upright, ≤ `maxLongSide`, JPEG. Throws ImagePrepError when the browser cannot decode the file. */
export async function prepareImage(
  file: Blob,
  { maxLongSide = MAX_LONG_SIDE, quality = JPEG_QUALITY }: { maxLongSide?: number; quality?: number } = {},
): Promise<PreparedImage> {
  const decoded = await decode(file)
  try {
    const target = fitWithin(decoded, maxLongSide)
    const canvas = document.createElement('canvas')
    canvas.width = target.width
    canvas.height = target.height
    const context = canvas.getContext('2d')
    if (!context) throw new ImagePrepError('no 2D canvas')
    // A transparent PNG would turn black as JPEG.
    context.fillStyle = '#fff'
    context.fillRect(0, 0, target.width, target.height)
    context.imageSmoothingEnabled = true
    context.imageSmoothingQuality = 'high'
    context.drawImage(decoded.source, 0, 0, target.width, target.height)
    const blob = await toBlob(canvas, OUTPUT_TYPE, quality)
    // Release the canvas memory at once (iOS caps the total canvas area per page).
    canvas.width = 0
    canvas.height = 0
    return { blob, ...target, resized: target.width !== decoded.width || target.height !== decoded.height }
  } finally {
    decoded.release()
  }
}
