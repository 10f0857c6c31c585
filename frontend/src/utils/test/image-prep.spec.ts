import { afterEach, describe, expect, it, vi } from 'vitest'
import { fitWithin, ImagePrepError, JPEG_QUALITY, MAX_LONG_SIDE, prepareImage } from '../image-prep'

describe('fitWithin (client downscale)', () => {
  it('should bring a 12 MP landscape photo to 1600 px on its long side', () => {
    expect(fitWithin({ width: 4032, height: 3024 })).toEqual({ width: 1600, height: 1200 })
  })

  it('should keep the aspect ratio of a portrait photo', () => {
    expect(fitWithin({ width: 3024, height: 4032 })).toEqual({ width: 1200, height: 1600 })
    expect(fitWithin({ width: 3000, height: 4000 })).toEqual({ width: 1200, height: 1600 })
  })

  it('should round to whole pixels and never exceed the limit', () => {
    expect(fitWithin({ width: 4000, height: 2999 })).toEqual({ width: 1600, height: 1200 })
    expect(fitWithin({ width: 1601, height: 1601 })).toEqual({ width: 1600, height: 1600 })
    const { width, height } = fitWithin({ width: 5184, height: 3456 })
    expect(Math.max(width, height)).toBe(MAX_LONG_SIDE)
    expect(width / height).toBeCloseTo(5184 / 3456, 2)
  })

  it('should never scale up a photo that is small enough', () => {
    expect(fitWithin({ width: 1600, height: 1000 })).toEqual({ width: 1600, height: 1000 })
    expect(fitWithin({ width: 800, height: 600 })).toEqual({ width: 800, height: 600 })
  })

  it('should keep a very thin image at least 1 px wide', () => {
    expect(fitWithin({ width: 10000, height: 2 })).toEqual({ width: 1600, height: 1 })
  })

  it('should honour another limit', () => {
    expect(fitWithin({ width: 2000, height: 1000 }, 1000)).toEqual({ width: 1000, height: 500 })
  })

  it.each([
    [0, 100],
    [100, -1],
    [Number.NaN, 10],
    [Number.POSITIVE_INFINITY, 10],
  ])('should refuse a size of %s × %s', (width, height) => {
    expect(() => fitWithin({ width, height })).toThrow(ImagePrepError)
  })
})

describe('prepareImage', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  function fakeCanvas() {
    const context = {
      fillStyle: '',
      imageSmoothingEnabled: false,
      imageSmoothingQuality: 'low',
      fillRect: vi.fn(),
      drawImage: vi.fn(),
    }
    const toBlob = vi.fn((callback: BlobCallback, type?: string) => callback(new Blob(['jpeg'], { type })))
    vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockReturnValue(context as unknown as CanvasRenderingContext2D)
    vi.spyOn(HTMLCanvasElement.prototype, 'toBlob').mockImplementation(toBlob)
    return { context, toBlob }
  }

  it('should decode with the EXIF orientation applied, downscale, and encode JPEG at 0.9', async () => {
    // A portrait photo stored landscape with EXIF orientation 6: the decoder hands it upright.
    const bitmap = { width: 3024, height: 4032, close: vi.fn() }
    const createImageBitmap = vi.fn(async () => bitmap)
    vi.stubGlobal('createImageBitmap', createImageBitmap)
    const { context, toBlob } = fakeCanvas()
    const file = new File([new Uint8Array(16)], 'IMG_0001.jpg', { type: 'image/jpeg' })

    const prepared = await prepareImage(file)

    expect(createImageBitmap).toHaveBeenCalledWith(file, { imageOrientation: 'from-image' })
    expect(context.drawImage).toHaveBeenCalledWith(bitmap, 0, 0, 1200, 1600)
    expect(context.imageSmoothingQuality).toBe('high')
    expect(toBlob).toHaveBeenCalledWith(expect.any(Function), 'image/jpeg', JPEG_QUALITY)
    expect(JPEG_QUALITY).toBe(0.9)
    expect(prepared).toMatchObject({ width: 1200, height: 1600, resized: true })
    expect(prepared.blob.type).toBe('image/jpeg')
    expect(bitmap.close).toHaveBeenCalled()
  })

  it('should re-encode a small photo without resizing it (the EXIF block is dropped)', async () => {
    const bitmap = { width: 1280, height: 960, close: vi.fn() }
    vi.stubGlobal('createImageBitmap', vi.fn(async () => bitmap))
    const { context } = fakeCanvas()
    const prepared = await prepareImage(new Blob([new Uint8Array(16)], { type: 'image/png' }))
    expect(context.drawImage).toHaveBeenCalledWith(bitmap, 0, 0, 1280, 960)
    // A transparent PNG gets a white background, not black.
    expect(context.fillRect).toHaveBeenCalledWith(0, 0, 1280, 960)
    expect(prepared).toMatchObject({ width: 1280, height: 960, resized: false })
  })

  it('should fail with ImagePrepError when the browser cannot decode the file', async () => {
    vi.stubGlobal('createImageBitmap', vi.fn(async () => Promise.reject(new DOMException('bad', 'InvalidStateError'))))
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: vi.fn(() => 'blob:x'), revokeObjectURL: vi.fn() }))
    // jsdom has no HTMLImageElement#decode: the <img> fallback, as a browser would refuse the bytes.
    const decode = vi.fn(async () => Promise.reject(new DOMException('bad', 'EncodingError')))
    Object.defineProperty(HTMLImageElement.prototype, 'decode', { configurable: true, value: decode })
    try {
      await expect(prepareImage(new Blob(['not an image']))).rejects.toBeInstanceOf(ImagePrepError)
    } finally {
      delete (HTMLImageElement.prototype as { decode?: unknown }).decode
    }
    expect(decode).toHaveBeenCalled()
    expect(URL.revokeObjectURL).toHaveBeenCalledWith('blob:x')
  })
})
