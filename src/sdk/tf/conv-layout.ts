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
