//! dlib's face-recognition ResNet (`anet_type` in `dnn_face_recognition_ex.cpp`): its layer
//! list and its forward pass.
//!
//! The network is kept as dlib's own flat list of layers, input first, with `tag`, `skip` and
//! `add_prev` as in dlib, so the file reader and the forward pass walk the same list and
//! cannot disagree about the order. Tensors are one sample, channel-major (C, H, W).

use image::RgbImage;

/// The side of the input chip, in pixels.
pub(super) const CHIP: usize = 150;

/// The length of the embedding.
pub(super) const OUT: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Conv {
    pub filters: usize,
    pub channels: usize,
    pub size: usize,
    pub stride: usize,
}

impl Conv {
    /// dlib's default: `size/2` at stride 1 ("same"), none otherwise.
    pub fn padding(&self) -> usize {
        if self.stride == 1 { self.size / 2 } else { 0 }
    }
}

/// A pooling window; `size` 0 means the whole input (dlib's `avg_pool_everything`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Pool {
    pub size: usize,
    pub stride: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Fc {
    pub inputs: usize,
    pub outputs: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Layer {
    Conv(Conv),
    /// Per-channel `gamma * x + beta` (dlib's batch norm, frozen).
    Affine(usize),
    Relu,
    MaxPool(Pool),
    AvgPool(Pool),
    /// Remembers the current output under a tag number.
    Tag(u8),
    /// Continues from the tagged output instead of the current one.
    Skip(u8),
    /// Adds the tagged output, zero-padding the smaller of the two in C, H and W.
    AddPrev(u8),
    Fc(Fc),
}

impl Layer {
    pub fn name(&self) -> &'static str {
        match self {
            Layer::Conv(_) => "con",
            Layer::Affine(_) => "affine",
            Layer::Relu => "relu",
            Layer::MaxPool(_) => "max_pool",
            Layer::AvgPool(_) => "avg_pool",
            Layer::Tag(_) => "tag",
            Layer::Skip(_) => "skip",
            Layer::AddPrev(_) => "add_prev",
            Layer::Fc(_) => "fc_no_bias",
        }
    }
}

/// A layer's weights, as read from the file.
pub(super) enum Params {
    None,
    /// Filters are transposed from dlib's (filters, channels·size·size) to
    /// (channels·size·size, filters), row-major, for the matrix product in [`convolve`].
    Conv {
        filters: Vec<f32>,
        bias: Vec<f32>,
    },
    Affine {
        gamma: Vec<f32>,
        beta: Vec<f32>,
    },
    /// Weights are (inputs, outputs), row-major.
    Fc {
        weights: Vec<f32>,
    },
}

fn conv(filters: usize, channels: usize, size: usize, stride: usize) -> Layer {
    Layer::Conv(Conv {
        filters,
        channels,
        size,
        stride,
    })
}

/// dlib's `block`, `residual` / `residual_down`, and the `relu` of `ares` / `ares_down`.
fn residual(out: &mut Vec<Layer>, n: usize, channels: usize, down: bool) {
    let stride = if down { 2 } else { 1 };
    out.extend([
        Layer::Tag(1),
        conv(n, channels, 3, stride),
        Layer::Affine(n),
        Layer::Relu,
        conv(n, n, 3, 1),
        Layer::Affine(n),
    ]);
    if down {
        out.extend([
            Layer::Tag(2),
            Layer::Skip(1),
            Layer::AvgPool(Pool { size: 2, stride: 2 }),
            Layer::AddPrev(2),
        ]);
    } else {
        out.push(Layer::AddPrev(1));
    }
    out.push(Layer::Relu);
}

/// The layers of `anet_type`, input first.
pub(super) fn layers() -> Vec<Layer> {
    let mut l = vec![
        conv(32, 3, 7, 2),
        Layer::Affine(32),
        Layer::Relu,
        Layer::MaxPool(Pool { size: 3, stride: 2 }),
    ];
    // alevel4 … alevel0: (filters, residual blocks after the first, first one down-samples).
    for _ in 0..3 {
        residual(&mut l, 32, 32, false);
    }
    let mut channels = 32;
    for (n, plain) in [(64, 3), (128, 2), (256, 2), (256, 0)] {
        residual(&mut l, n, channels, true);
        for _ in 0..plain {
            residual(&mut l, n, n, false);
        }
        channels = n;
    }
    l.push(Layer::AvgPool(Pool { size: 0, stride: 1 }));
    l.push(Layer::Fc(Fc {
        inputs: 256,
        outputs: OUT,
    }));
    l
}

/// The loaded network: the layer list, its weights, and the input's channel means.
pub(super) struct Network {
    layers: Vec<Layer>,
    params: Vec<Params>,
    mean: [f32; 3],
}

/// One sample's activations, (C, H, W).
#[derive(Clone)]
struct Tensor {
    c: usize,
    h: usize,
    w: usize,
    data: Vec<f32>,
}

impl Tensor {
    fn zeros(c: usize, h: usize, w: usize) -> Self {
        Self {
            c,
            h,
            w,
            data: vec![0.0; c * h * w],
        }
    }
}

impl Network {
    pub(super) fn new(mean: [f32; 3], params: Vec<Params>) -> Self {
        Self {
            layers: layers(),
            params,
            mean,
        }
    }

    /// Runs the network on a 150×150 chip (the caller checks the size).
    pub(super) fn forward(&self, chip: &RgbImage) -> [f32; OUT] {
        // input_rgb_image: (pixel − mean) / 256, planar R, G, B.
        let mut x = Tensor::zeros(3, CHIP, CHIP);
        for (i, p) in chip.pixels().enumerate() {
            for ch in 0..3 {
                x.data[ch * CHIP * CHIP + i] = (f32::from(p.0[ch]) - self.mean[ch]) / 256.0;
            }
        }
        let mut tags: [Option<Tensor>; 2] = [None, None];
        let mut cols = Vec::new();
        for (layer, params) in self.layers.iter().zip(&self.params) {
            x = match (layer, params) {
                (Layer::Conv(c), Params::Conv { filters, bias }) => {
                    convolve(&x, *c, filters, bias, &mut cols)
                }
                (Layer::Affine(_), Params::Affine { gamma, beta }) => {
                    let plane = x.h * x.w;
                    for ((chunk, g), b) in x.data.chunks_mut(plane).zip(gamma).zip(beta) {
                        chunk.iter_mut().for_each(|v| *v = g * *v + b);
                    }
                    x
                }
                (Layer::Relu, _) => {
                    x.data.iter_mut().for_each(|v| *v = v.max(0.0));
                    x
                }
                (Layer::MaxPool(p), _) => pool(&x, *p, true),
                (Layer::AvgPool(p), _) => pool(&x, *p, false),
                (Layer::Tag(t), _) => {
                    tags[usize::from(*t) - 1] = Some(x.clone());
                    x
                }
                (Layer::Skip(t), _) => tags[usize::from(*t) - 1].clone().unwrap_or(x),
                (Layer::AddPrev(t), _) => match &tags[usize::from(*t) - 1] {
                    Some(prev) => add_padded(&x, prev),
                    None => x,
                },
                (Layer::Fc(f), Params::Fc { weights }) => {
                    let mut out = Tensor::zeros(f.outputs, 1, 1);
                    for (xi, row) in x.data.iter().zip(weights.chunks_exact(f.outputs)) {
                        for (o, w) in out.data.iter_mut().zip(row) {
                            *o += xi * w;
                        }
                    }
                    out
                }
                // The reader builds params from the same list, so kinds always agree.
                _ => x,
            };
        }
        let mut out = [0f32; OUT];
        for (o, v) in out.iter_mut().zip(&x.data) {
            *o = *v;
        }
        out
    }
}

/// dlib's filters (filters × K, row-major) as K × filters, the layout [`convolve`] wants.
pub(super) fn transpose(filters: &[f32], count: usize) -> Vec<f32> {
    let k = filters.len() / count.max(1);
    let mut out = vec![0.0; filters.len()];
    for (f, row) in filters.chunks_exact(k.max(1)).enumerate() {
        for (i, v) in row.iter().enumerate() {
            out[i * count + f] = *v;
        }
    }
    out
}

/// Convolution as im2col and one matrix product: (filters × K) · (K × H'W'), K = C·size².
fn convolve(x: &Tensor, c: Conv, filters: &[f32], bias: &[f32], cols: &mut Vec<f32>) -> Tensor {
    let pad = c.padding();
    let oh = (x.h + 2 * pad - c.size) / c.stride + 1;
    let ow = (x.w + 2 * pad - c.size) / c.stride + 1;
    let k = x.c * c.size * c.size;
    let n = oh * ow;
    cols.clear();
    cols.resize(k * n, 0.0);
    for ch in 0..x.c {
        let plane = &x.data[ch * x.h * x.w..(ch + 1) * x.h * x.w];
        for ky in 0..c.size {
            for kx in 0..c.size {
                let row = ((ch * c.size + ky) * c.size + kx) * n;
                let row = &mut cols[row..row + n];
                // Output columns whose input column ox·stride + kx − pad is inside the image;
                // the rest stay 0.
                let first = pad.saturating_sub(kx).div_ceil(c.stride);
                let last = (x.w + pad).saturating_sub(kx).div_ceil(c.stride).min(ow);
                if first >= last {
                    continue;
                }
                for oy in 0..oh {
                    let Some(iy) = (oy * c.stride + ky).checked_sub(pad).filter(|&y| y < x.h)
                    else {
                        continue;
                    };
                    let src = &plane[iy * x.w..(iy + 1) * x.w];
                    let dst = &mut row[oy * ow + first..oy * ow + last];
                    let start = first * c.stride + kx - pad;
                    if c.stride == 1 {
                        dst.copy_from_slice(&src[start..start + dst.len()]);
                    } else {
                        for (i, d) in dst.iter_mut().enumerate() {
                            *d = src[start + i * c.stride];
                        }
                    }
                }
            }
        }
    }
    let mut out = Tensor::zeros(c.filters, oh, ow);
    for (chunk, b) in out.data.chunks_mut(n).zip(bias) {
        chunk.fill(*b);
    }
    // outᵀ (n × filters) = colsᵀ (n × k) · filtersᵀ (k × filters). In this orientation both
    // operands are contiguous along the axis matrixmultiply packs (its fast path) and each is
    // packed once; the straightforward `filters · cols` re-gathers all 22 MB of weights with
    // strided reads on every call, which cost more than the arithmetic.
    // SAFETY: `filters` is k × filters (checked by the reader), `cols` is k × n and `out` is
    // filters × n, all row-major and contiguous, matching the strides given.
    unsafe {
        matrixmultiply::sgemm(
            n,
            k,
            c.filters,
            1.0,
            cols.as_ptr(),
            1,
            n as isize,
            filters.as_ptr(),
            c.filters as isize,
            1,
            1.0,
            out.data.as_mut_ptr(),
            1,
            n as isize,
        );
    }
    out
}

/// Max or average pooling without padding; window `size` 0 pools the whole plane.
fn pool(x: &Tensor, p: Pool, max: bool) -> Tensor {
    let (size_y, size_x, stride) = if p.size == 0 {
        (x.h, x.w, 1)
    } else {
        (p.size, p.size, p.stride)
    };
    let oh = (x.h - size_y) / stride + 1;
    let ow = (x.w - size_x) / stride + 1;
    let scale = 1.0 / (size_y * size_x) as f32;
    let mut out = Tensor::zeros(x.c, oh, ow);
    for (src, dst) in x
        .data
        .chunks_exact(x.h * x.w)
        .zip(out.data.chunks_exact_mut(oh * ow))
    {
        for oy in 0..oh {
            for ox in 0..ow {
                // Row-major over the window, as dlib sums it.
                let mut acc = if max { f32::NEG_INFINITY } else { 0.0 };
                for dy in 0..size_y {
                    let start = (oy * stride + dy) * x.w + ox * stride;
                    for &v in &src[start..start + size_x] {
                        acc = if max { acc.max(v) } else { acc + v };
                    }
                }
                dst[oy * ow + ox] = if max { acc } else { acc * scale };
            }
        }
    }
    out
}

/// dlib's `add_prev`: the output has the larger C, H and W; each operand is zero beyond its
/// own extent (at the end of each axis).
fn add_padded(a: &Tensor, b: &Tensor) -> Tensor {
    let mut out = Tensor::zeros(a.c.max(b.c), a.h.max(b.h), a.w.max(b.w));
    for t in [a, b] {
        for ch in 0..t.c {
            for y in 0..t.h {
                let src = &t.data[(ch * t.h + y) * t.w..][..t.w];
                let dst = &mut out.data[(ch * out.h + y) * out.w..][..t.w];
                dst.iter_mut().zip(src).for_each(|(d, s)| *d += s);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layer_list_matches_dlibs_network() {
        let l = layers();
        let count = |f: fn(&Layer) -> bool| l.iter().filter(|x| f(x)).count();
        assert_eq!(count(|x| matches!(x, Layer::Conv(_))), 29);
        assert_eq!(count(|x| matches!(x, Layer::Affine(_))), 29);
        assert_eq!(count(|x| matches!(x, Layer::Fc(_))), 1);
        assert_eq!(count(|x| matches!(x, Layer::AvgPool(_))), 5);
        // Each conv's input channels are the previous conv's filters.
        let convs: Vec<Conv> = l
            .iter()
            .filter_map(|x| match x {
                Layer::Conv(c) => Some(*c),
                _ => None,
            })
            .collect();
        assert_eq!(convs[0].padding(), 0);
        assert_eq!(convs[1].padding(), 1);
        assert_eq!(convs.last().map(|c| c.filters), Some(256));
    }

    fn tensor(c: usize, h: usize, w: usize, data: Vec<f32>) -> Tensor {
        assert_eq!(data.len(), c * h * w);
        Tensor { c, h, w, data }
    }

    #[test]
    fn add_prev_zero_pads_the_smaller_operand_at_the_end() {
        let a = tensor(1, 1, 1, vec![5.0]);
        let b = tensor(2, 2, 2, (1..=8).map(|v| v as f32).collect());
        let sum = add_padded(&a, &b);
        assert_eq!((sum.c, sum.h, sum.w), (2, 2, 2));
        assert_eq!(sum.data, [6.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]);
    }

    #[test]
    fn pools_drop_the_odd_edge_and_average_everything() {
        // 1×3×3: 2×2/2 pooling sees only the top-left window.
        let x = tensor(1, 3, 3, vec![1.0, 2.0, 9.0, 3.0, 4.0, 9.0, 9.0, 9.0, 9.0]);
        let avg = pool(&x, Pool { size: 2, stride: 2 }, false);
        assert_eq!(((avg.h, avg.w), avg.data), ((1, 1), vec![2.5]));
        let max = pool(&x, Pool { size: 2, stride: 2 }, true);
        assert_eq!(max.data, [4.0]);
        let all = pool(&x, Pool { size: 0, stride: 1 }, false);
        assert!((all.data[0] - 55.0 / 9.0).abs() < 1e-6);
    }

    #[test]
    fn convolution_is_cross_correlation_with_bias_and_dlib_padding() {
        // 1×3×3 input, one 3×3 filter picking the top-left neighbour, bias 10.
        let x = tensor(1, 3, 3, (1..=9).map(|v| v as f32).collect());
        let mut filter = vec![0.0; 9];
        filter[0] = 1.0;
        let mut cols = Vec::new();
        let same = conv_of(&x, 1, &filter, &mut cols);
        // Stride 1 pads by 1: output (y, x) = input (y−1, x−1) + 10, zero outside.
        assert_eq!(
            same.data,
            [10.0, 10.0, 10.0, 10.0, 11.0, 12.0, 10.0, 14.0, 15.0]
        );
        // Stride 2 does not pad: one output, the window's top-left.
        let down = conv_of(&x, 2, &filter, &mut cols);
        assert_eq!(((down.h, down.w), down.data), ((1, 1), vec![11.0]));
    }

    #[test]
    fn filters_and_channels_keep_dlibs_order() {
        // Two channels of 2×2; filter 0 takes channel 1's centre tap, filter 1 twice channel
        // 0's. dlib's layout is (filter, channel, ky, kx).
        let x = tensor(2, 2, 2, vec![1.0, 2.0, 3.0, 4.0, 10.0, 20.0, 30.0, 40.0]);
        let mut filters = vec![0.0; 2 * 2 * 9];
        filters[9 + 4] = 1.0;
        filters[18 + 4] = 2.0;
        let c = Conv {
            filters: 2,
            channels: 2,
            size: 3,
            stride: 1,
        };
        let out = convolve(
            &x,
            c,
            &transpose(&filters, 2),
            &[0.5, -0.5],
            &mut Vec::new(),
        );
        assert_eq!((out.c, out.h, out.w), (2, 2, 2));
        assert_eq!(out.data, [10.5, 20.5, 30.5, 40.5, 1.5, 3.5, 5.5, 7.5]);
    }

    fn conv_of(x: &Tensor, stride: usize, filter: &[f32], cols: &mut Vec<f32>) -> Tensor {
        let c = Conv {
            filters: 1,
            channels: 1,
            size: 3,
            stride,
        };
        convolve(x, c, filter, &[10.0], cols)
    }
}
