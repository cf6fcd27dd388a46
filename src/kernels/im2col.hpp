#pragma once
// Inside the library: rearranging images into receptive fields and back (im2col.cpp), so that a
// convolution is one matrix product (conv.cpp).
#include "digitnet/conv.hpp"

namespace digitnet {

// patches row b·P + p (P = g.positions(), p = oy·out_cols + ox), column (c·kh + ky)·kw + kx
//   = x(b, c, oy·s + ky - pad_top, ox·s + kx - pad_left), or 0 where that falls in the padding.
// x: (batch, C·H·W), patches: (batch·P, C·kh·kw), sized by the caller.
void im2col(ConstMatrixView x, const ConvGeometry& g, MatrixView patches);

// The adjoint: grad_x = 0, then every patch value is added where im2col took it from.
// grad_patches: (batch·P, C·kh·kw), grad_x: (batch, C·H·W), sized by the caller.
void col2im(ConstMatrixView grad_patches, const ConvGeometry& g, MatrixView grad_x);

// out row b, column f·P + p = positions row b·P + p, column f, + biases[f]: one image's outputs
// from one row per position (what the product gives) to one plane per filter (the layout of
// image_shape.hpp), with each filter's bias added. positions: (batch·P, F), out: (batch, F·P).
void positions_to_planes(ConstMatrixView positions, const float* biases, std::size_t P, MatrixView out);
// The reverse: positions: (batch·P, F) from planes: (batch, F·P).
void planes_to_positions(ConstMatrixView planes, std::size_t P, MatrixView positions);

}  // namespace digitnet
