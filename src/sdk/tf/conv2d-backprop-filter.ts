// Conv2DBackpropFilter for the wasm backend, which ships without it (so `conv2d`'s gradient with respect to its
// filter — i.e. every CNN training step — fails there). We compute it as im2col + one matrix product:
//
//   dW[kh, kw, ci, co] = Σ_{b, oy, ox} x[b, oy·sH + kh − padTop, ox·sW + kw − padLeft, ci] · dy[b, oy, ox, co]
//                      = (colsT · dyMat)[(kh·KW + kw)·Ci + ci, co]
//
// where colsT is the [K = KH·KW·Ci, P = N·OH·OW] patch matrix (zero where a patch overlaps the padding) and dyMat
// is dy as [P, Co]. The patches are gathered by plain typed-array code straight into the wasm heap; the product runs
// on the wasm backend's own BatchMatMul (XNNPACK). The patch matrix is built already transposed because that
// kernel is ~10× slower with transposeA (measured: 0.9 vs 10.6 GFLOP/s). Large batches go in chunks whose partial
// products are summed, bounding the temporary buffers.
import {
  backend_util, Conv2DBackpropFilter, BatchMatMul, getKernel,
  type KernelConfig, type KernelFunc, type TensorInfo, type NamedAttrMap, type Conv2DBackpropFilterAttrs,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { convGradPlan } from './conv-layout.ts';

function conv2dBackpropFilterWasm(args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: BackendWasm; attrs: NamedAttrMap }): TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs as unknown as Conv2DBackpropFilterAttrs;
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false,
    backend_util.convertConv2DDataFormat(dataFormat));
  const {
    batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels,
    filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth,
  } = info;
  const { padTop, padLeft, strides: s, K, perImage, imagesPerChunk } = convGradPlan(info);
  const acc = new Float32Array(K * outChannels);
  const matMul = getKernel(BatchMatMul, 'wasm');
  if (!matMul) throw new Error('the wasm backend has no BatchMatMul kernel');

  for (let b0 = 0; b0 < batchSize; b0 += imagesPerChunk) {
    const nb = Math.min(imagesPerChunk, batchSize - b0);
    const P = nb * perImage;
    const colsT = backend.makeOutput([1, K, P], 'float32');
    const dyMat = backend.makeOutput([1, P, outChannels], 'float32');
    // Views are taken after the allocations: growing the wasm heap detaches earlier views.
    const xv = backend.typedArrayFromHeap(x) as Float32Array;
    const dyv = backend.typedArrayFromHeap(dy) as Float32Array;
    const cv = backend.typedArrayFromHeap(colsT) as Float32Array;
    const dv = backend.typedArrayFromHeap(dyMat) as Float32Array;
    let p = 0;
    for (let b = b0; b < b0 + nb; b++) {
      for (let oy = 0; oy < outHeight; oy++) {
        for (let ox = 0; ox < outWidth; ox++, p++) {
          const dyBase = b * s.yB + oy * s.yR + ox * s.yC;
          const dOut = p * outChannels;
          for (let co = 0; co < outChannels; co++) dv[dOut + co] = dyv[dyBase + co * s.yCh]!;
          let k = 0;
          for (let kh = 0; kh < filterHeight; kh++) {
            const iy = oy * strideHeight + kh * dilationHeight - padTop;
            const rowInside = iy >= 0 && iy < inHeight;
            for (let kw = 0; kw < filterWidth; kw++) {
              const ix = ox * strideWidth + kw * dilationWidth - padLeft;
              if (!rowInside || ix < 0 || ix >= inWidth) {
                for (let ci = 0; ci < inChannels; ci++, k++) cv[k * P + p] = 0;
                continue;
              }
              const xBase = b * s.xB + iy * s.xR + ix * s.xC;
              for (let ci = 0; ci < inChannels; ci++, k++) cv[k * P + p] = xv[xBase + ci * s.xCh]!;
            }
          }
        }
      }
    }
    const prod = matMul.kernelFunc({
      inputs: { a: colsT, b: dyMat }, backend, attrs: { transposeA: false, transposeB: false },
    }) as TensorInfo;
    const pv = backend.typedArrayFromHeap(prod) as Float32Array;
    for (let i = 0; i < acc.length; i++) acc[i]! += pv[i]!;
    backend.disposeData(colsT.dataId);
    backend.disposeData(dyMat.dataId);
    backend.disposeData(prod.dataId);
  }
  // acc is [K, Co] with K ordered (kh, kw, ci): exactly the HWIO filter layout.
  const out = backend.makeOutput(filterShape, 'float32');
  (backend.typedArrayFromHeap(out) as Float32Array).set(acc);
  return out;
}

export const conv2dBackpropFilterWasmConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilterWasm as unknown as KernelFunc,
};
