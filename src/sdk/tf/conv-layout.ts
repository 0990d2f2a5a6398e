// Element strides of a conv's input (x) and output (y) tensors for either data layout, so one loop serves NHWC
// and NCHW: index = b·B + row·R + col·C + channel·Ch.
import type { backend_util } from '@tensorflow/tfjs-core';

export interface ConvLayoutStrides {
  readonly xB: number; readonly xR: number; readonly xC: number; readonly xCh: number;
  readonly yB: number; readonly yR: number; readonly yC: number; readonly yCh: number;
}

export function layoutStrides(info: backend_util.Conv2DInfo): ConvLayoutStrides {
  const { inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const last = info.dataFormat === 'channelsLast';
  return {
    xB: inHeight * inWidth * inChannels,
    xR: last ? inWidth * inChannels : inWidth,
    xC: last ? inChannels : 1,
    xCh: last ? 1 : inHeight * inWidth,
    yB: outHeight * outWidth * outChannels,
    yR: last ? outWidth * outChannels : outWidth,
    yC: last ? outChannels : 1,
    yCh: last ? 1 : outHeight * outWidth,
  };
}

/** Upper bound on the floats in one chunk's patch matrix (16 MiB), so a big batch never needs a huge buffer. */
let maxChunkFloats = 4 * 1024 * 1024;

/** Changes the chunk bound (tests use a tiny one to exercise the chunked path); returns the previous value. */
export function setConvGradChunkFloats(floats: number): number {
  const previous = maxChunkFloats;
  maxChunkFloats = Math.max(1, Math.floor(floats));
  return previous;
}

/** What both conv gradient kernels derive from the conv's geometry before their im2col + matmul loops. */
export interface ConvGradPlan {
  readonly padTop: number;
  readonly padLeft: number;
  readonly strides: ConvLayoutStrides;
  /** Rows of the patch matrix: KH·KW·Ci. */
  readonly K: number;
  /** Output positions per image: OH·OW. */
  readonly perImage: number;
  /** Images per chunk, bounded by the chunk size. */
  readonly imagesPerChunk: number;
}

export function convGradPlan(info: backend_util.Conv2DInfo): ConvGradPlan {
  const K = info.filterHeight * info.filterWidth * info.inChannels;
  const perImage = info.outHeight * info.outWidth;
  return {
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    strides: layoutStrides(info),
    K,
    perImage,
    imagesPerChunk: Math.max(1, Math.min(info.batchSize, Math.floor(maxChunkFloats / Math.max(1, perImage * K)))),
  };
}
