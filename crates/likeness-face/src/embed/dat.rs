//! Reading dlib's serialized network (`dlib/serialize.h`, `dlib/dnn/core.h`, `layers.h`).
//!
//! The file is walked field by field against the one architecture we know ([`net::layers`]),
//! so a file of another shape fails at its first difference. Every tensor's claimed shape is
//! compared with the architecture's before any data is read, and data is only read when the
//! bytes are there: nothing is ever sized from an unchecked number in the file.

use super::net::{self, Conv, Fc, Layer, Network, Pool};
use crate::face_error::FaceError;

/// The model's file name, as [`FaceError::ModelInvalid`] reports it.
pub(super) const MODEL: &str = "dlib_face_recognition_resnet_model_v1.dat";

/// The longest layer name dlib writes here (`input_rgb_image_sized`, 21 bytes), with room.
const MAX_NAME: usize = 64;

pub(super) fn invalid(detail: impl Into<String>) -> FaceError {
    FaceError::ModelInvalid {
        model: MODEL,
        detail: detail.into(),
    }
}

/// A cursor over the file's bytes that reads dlib's primitive encodings.
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], FaceError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(invalid(format!(
                "truncated: {what} at byte {} needs {n} bytes, {} left",
                self.pos,
                self.bytes.len() - self.pos
            )));
        };
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    /// dlib's packed integer: a control byte (low 4 bits: byte count, 0x80: negative), then the
    /// magnitude's bytes, least significant first.
    pub(super) fn int(&mut self, what: &str) -> Result<i64, FaceError> {
        let at = self.pos;
        let control = self.take(1, what)?[0];
        let size = usize::from(control & 0x0F);
        if size > 8 || control & 0x70 != 0 {
            return Err(invalid(format!(
                "{what} at byte {at}: bad integer control byte {control:#04x}"
            )));
        }
        let magnitude = self
            .take(size, what)?
            .iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        let magnitude = i64::try_from(magnitude)
            .map_err(|_| invalid(format!("{what} at byte {at}: integer out of range")))?;
        Ok(if control & 0x80 != 0 {
            -magnitude
        } else {
            magnitude
        })
    }

    fn expect_int(&mut self, what: &str, expected: i64) -> Result<(), FaceError> {
        let at = self.pos;
        let got = self.int(what)?;
        if got != expected {
            return Err(invalid(format!(
                "{what} at byte {at} is {got}, expected {expected}"
            )));
        }
        Ok(())
    }

    /// A string: its packed length, then its bytes.
    fn name(&mut self, what: &str) -> Result<&'a [u8], FaceError> {
        let at = self.pos;
        let len = self.int(what)?;
        let len = usize::try_from(len)
            .ok()
            .filter(|&n| n <= MAX_NAME)
            .ok_or_else(|| invalid(format!("{what} at byte {at}: bad name length {len}")))?;
        self.take(len, what)
    }

    fn expect_name(&mut self, expected: &[&str]) -> Result<usize, FaceError> {
        let at = self.pos;
        let got = self.name(expected[0])?;
        expected
            .iter()
            .position(|e| e.as_bytes() == got)
            .ok_or_else(|| {
                invalid(format!(
                    "expected layer {} at byte {at}, found {:?}",
                    expected.join(" or "),
                    String::from_utf8_lossy(got)
                ))
            })
    }

    /// A bool, which dlib writes as the character `'0'` or `'1'`.
    fn boolean(&mut self, what: &str) -> Result<bool, FaceError> {
        let at = self.pos;
        match self.take(1, what)?[0] {
            b'1' => Ok(true),
            b'0' => Ok(false),
            other => Err(invalid(format!(
                "{what} at byte {at}: bad bool {other:#04x}"
            ))),
        }
    }

    /// A float or double (`float_details`): packed mantissa and base-2 exponent. dlib marks
    /// infinities and NaNs with exponents ≥ 32000; those are refused.
    fn real(&mut self, what: &str) -> Result<f64, FaceError> {
        let at = self.pos;
        let mantissa = self.int(what)?;
        let exponent = self.int(what)?;
        if !(-1100..=1100).contains(&exponent) {
            return Err(invalid(format!("{what} at byte {at}: not a finite number")));
        }
        // Both fit: |mantissa| < 2^63 is exact enough, and the exponent was bounded above.
        Ok(mantissa as f64 * 2f64.powi(exponent as i32))
    }

    /// A tensor header (version 2, then num_samples, k, nr, nc), compared with `shape`.
    fn tensor_header(&mut self, what: &str, shape: [usize; 4]) -> Result<(), FaceError> {
        self.expect_int(what, 2)?;
        for (dim, expected) in ["num_samples", "k", "nr", "nc"].iter().zip(shape) {
            let expected = i64::try_from(expected).map_err(|_| invalid("shape too large"))?;
            self.expect_int(&format!("{what} {dim}"), expected)?;
        }
        Ok(())
    }

    /// A tensor of exactly `shape`, as finite f32s (raw little-endian after the header).
    fn tensor(&mut self, what: &str, shape: [usize; 4]) -> Result<Vec<f32>, FaceError> {
        self.tensor_header(what, shape)?;
        let count = shape.iter().product::<usize>();
        let bytes = self.take(count * 4, what)?;
        let values: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        if values.iter().any(|v| !v.is_finite()) {
            return Err(invalid(format!("{what}: a weight is not finite")));
        }
        Ok(values)
    }

    /// A tensor dlib keeps only for training (gradients, cached outputs): skipped, never
    /// allocated, whatever its shape, as long as its bytes are there.
    fn skip_tensor(&mut self, what: &str) -> Result<(), FaceError> {
        self.expect_int(what, 2)?;
        let mut count: u64 = 1;
        for _ in 0..4 {
            let at = self.pos;
            let dim = self.int(what)?;
            let dim = u64::try_from(dim)
                .map_err(|_| invalid(format!("{what} at byte {at}: negative size")))?;
            count = count
                .checked_mul(dim)
                .ok_or_else(|| invalid(format!("{what}: size overflows")))?;
        }
        let bytes = count
            .checked_mul(4)
            .and_then(|b| usize::try_from(b).ok())
            .ok_or_else(|| invalid(format!("{what}: size overflows")))?;
        self.take(bytes, what).map(|_| ())
    }

    /// An `alias_tensor` (version 1 and a shape; no data), compared with `shape`.
    fn alias(&mut self, what: &str, shape: [usize; 4]) -> Result<(), FaceError> {
        self.expect_int(what, 1)?;
        for (dim, expected) in ["num_samples", "k", "nr", "nc"].iter().zip(shape) {
            let expected = i64::try_from(expected).map_err(|_| invalid("shape too large"))?;
            self.expect_int(&format!("{what} {dim}"), expected)?;
        }
        Ok(())
    }

    fn at_end(&self) -> Result<(), FaceError> {
        if self.pos != self.bytes.len() {
            return Err(invalid(format!(
                "{} unexpected bytes after the network",
                self.bytes.len() - self.pos
            )));
        }
        Ok(())
    }
}

/// Parses the whole file into the network's weights.
///
/// Layout (dlib writes each wrapper outermost-first and recurses before its own fields): the
/// loss layer; one version number per layer from output to input; the input layer; then, from
/// input to output, each computational layer's fields followed by its training-only state.
pub(super) fn parse(bytes: &[u8]) -> Result<Network, FaceError> {
    let mut r = Reader::new(bytes);
    let layers = net::layers();

    r.expect_int("add_loss_layer version", 1)?;
    r.expect_name(&["loss_metric_2"])?;
    r.real("loss margin")?;
    r.real("loss distance threshold")?;

    // Versions, outermost first. The innermost add_layer wraps the input layer and is
    // version 3 (which adds `_sample_expansion_factor`); dlib also reads the older 2.
    let mut innermost_version = 0;
    for (i, layer) in layers.iter().enumerate().rev() {
        let at = r.pos;
        let got = r.int("layer version")?;
        let ok = match layer {
            Layer::Tag(_) | Layer::Skip(_) => got == 1,
            _ if i == 0 => got == 2 || got == 3,
            _ => got == 2,
        };
        if !ok {
            return Err(invalid(format!(
                "layer {i} ({}) at byte {at}: unexpected version {got}",
                layer.name()
            )));
        }
        if i == 0 {
            innermost_version = got;
        }
    }

    r.expect_name(&["input_rgb_image_sized"])?;
    let mut mean = [0f32; 3];
    for (m, colour) in mean.iter_mut().zip(["red", "green", "blue"]) {
        let v = r.real(&format!("input average {colour}"))?;
        if !(0.0..=255.0).contains(&v) {
            return Err(invalid(format!("input average {colour} is {v}")));
        }
        *m = v as f32;
    }
    r.expect_int("input rows", net::CHIP as i64)?;
    r.expect_int("input columns", net::CHIP as i64)?;

    let mut weights = Vec::with_capacity(layers.len());
    for (i, layer) in layers.iter().enumerate() {
        let params = match *layer {
            Layer::Tag(_) | Layer::Skip(_) => {
                weights.push(net::Params::None);
                continue;
            }
            Layer::Conv(c) => conv(&mut r, i, c)?,
            Layer::Affine(channels) => affine(&mut r, i, channels)?,
            Layer::Relu => {
                r.expect_name(&["relu_"])?;
                net::Params::None
            }
            Layer::AddPrev(_) => {
                r.expect_name(&["add_prev_"])?;
                net::Params::None
            }
            Layer::MaxPool(p) => pool(&mut r, "max_pool_2", p)?,
            Layer::AvgPool(p) => pool(&mut r, "avg_pool_2", p)?,
            Layer::Fc(f) => fc(&mut r, i, f)?,
        };
        weights.push(params);
        // add_layer's own state: three flags and three training tensors.
        let what = format!("layer {i} ({})", layer.name());
        for _ in 0..3 {
            r.boolean(&what)?;
        }
        for _ in 0..3 {
            r.skip_tensor(&what)?;
        }
        if i == 0 && innermost_version == 3 {
            r.expect_int("sample expansion factor", 1)?;
        }
    }
    r.at_end()?;
    Ok(Network::new(mean, weights))
}

fn conv(r: &mut Reader, i: usize, c: Conv) -> Result<net::Params, FaceError> {
    // con_5 adds a trailing `use_bias` flag to con_4.
    let con5 = r.expect_name(&["con_4", "con_5"])? == 1;
    let what = format!("layer {i} (con {}x{}x{})", c.filters, c.size, c.size);
    let filter_len = c.filters * c.channels * c.size * c.size;
    let params = r.tensor(&what, [filter_len + c.filters, 1, 1, 1])?;
    for (field, value) in [
        ("num_filters", c.filters),
        ("nr", c.size),
        ("nc", c.size),
        ("stride_y", c.stride),
        ("stride_x", c.stride),
        ("padding_y", c.padding()),
        ("padding_x", c.padding()),
    ] {
        r.expect_int(&format!("{what} {field}"), value as i64)?;
    }
    r.alias(&what, [c.filters, c.channels, c.size, c.size])?;
    r.alias(&what, [1, c.filters, 1, 1])?;
    for _ in 0..4 {
        r.real(&format!("{what} learning rate"))?;
    }
    if con5 && !r.boolean(&format!("{what} use_bias"))? {
        return Err(invalid(format!("{what}: bias disabled")));
    }
    let (filters, bias) = params.split_at(filter_len);
    Ok(net::Params::Conv {
        filters: net::transpose(filters, c.filters),
        bias: bias.to_vec(),
    })
}

fn affine(r: &mut Reader, i: usize, channels: usize) -> Result<net::Params, FaceError> {
    r.expect_name(&["affine_"])?;
    let what = format!("layer {i} (affine {channels})");
    let params = r.tensor(&what, [2 * channels, 1, 1, 1])?;
    r.alias(&what, [1, channels, 1, 1])?;
    r.alias(&what, [1, channels, 1, 1])?;
    // layer_mode: 0 is CONV_MODE (one gamma and beta per channel).
    r.expect_int(&format!("{what} mode"), 0)?;
    let (gamma, beta) = params.split_at(channels);
    Ok(net::Params::Affine {
        gamma: gamma.to_vec(),
        beta: beta.to_vec(),
    })
}

fn pool(r: &mut Reader, name: &str, p: Pool) -> Result<net::Params, FaceError> {
    r.expect_name(&[name])?;
    for (field, value) in [
        ("nr", p.size),
        ("nc", p.size),
        ("stride_y", p.stride),
        ("stride_x", p.stride),
        ("padding_y", 0),
        ("padding_x", 0),
    ] {
        r.expect_int(&format!("{name} {field}"), value as i64)?;
    }
    Ok(net::Params::None)
}

fn fc(r: &mut Reader, i: usize, f: Fc) -> Result<net::Params, FaceError> {
    r.expect_name(&["fc_2"])?;
    let what = format!("layer {i} (fc {}x{})", f.inputs, f.outputs);
    r.expect_int(&format!("{what} num_outputs"), f.outputs as i64)?;
    r.expect_int(&format!("{what} num_inputs"), f.inputs as i64)?;
    // Without a bias, dlib sizes the parameters as the weight matrix itself.
    let weights = r.tensor(&what, [f.inputs, f.outputs, 1, 1])?;
    r.alias(&what, [f.inputs, f.outputs, 1, 1])?;
    r.alias(&what, [0, 0, 0, 0])?;
    // fc_bias_mode: 1 is FC_NO_BIAS.
    r.expect_int(&format!("{what} bias mode"), 1)?;
    for _ in 0..4 {
        r.real(&format!("{what} learning rate"))?;
    }
    Ok(net::Params::Fc { weights })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn int(bytes: &[u8]) -> Result<i64, FaceError> {
        Reader::new(bytes).int("test")
    }

    #[test]
    fn packed_ints_decode_like_dlib() {
        assert_eq!(int(&[0x01, 0x00]).unwrap(), 0);
        assert_eq!(int(&[0x01, 0x96]).unwrap(), 150);
        assert_eq!(int(&[0x02, 0x80, 0x12]).unwrap(), 0x1280);
        assert_eq!(int(&[0x03, 0x00, 0x80, 0x00]).unwrap(), 32768);
        assert_eq!(int(&[0x81, 0x1c]).unwrap(), -28);
        assert_eq!(
            int(&[0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]).unwrap(),
            i64::MAX
        );
        // Nine bytes, a magnitude beyond i64, stray control bits, and truncation are refused.
        for bad in [
            &[0x09, 1, 2, 3, 4, 5, 6, 7, 8, 9][..],
            &[0x08, 0, 0, 0, 0, 0, 0, 0, 0x80],
            &[0x11, 0x05],
            &[0x02, 0x05],
            &[],
        ] {
            let err = int(bad).unwrap_err();
            assert_eq!(err.code(), "face.model_invalid", "{bad:?}");
        }
    }

    #[test]
    fn reader_advances_over_each_field() {
        // 0.04 as dlib writes it (mantissa 0xa3d70a, exponent −28), then "fc_2", then '1'.
        let bytes = [
            0x03, 0x0a, 0xd7, 0xa3, 0x81, 0x1c, 0x01, 0x04, b'f', b'c', b'_', b'2', b'1',
        ];
        let mut r = Reader::new(&bytes);
        assert!((r.real("margin").unwrap() - 0.04).abs() < 1e-9);
        assert_eq!(r.expect_name(&["con_4", "fc_2"]).unwrap(), 1);
        assert!(r.boolean("flag").unwrap());
        r.at_end().unwrap();
    }

    #[test]
    fn tensor_shapes_are_checked_before_data_is_read() {
        // Version 2, shape (2,1,1,1), then two floats.
        let mut bytes = vec![0x01, 0x02, 0x01, 0x02, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01];
        bytes.extend(1.5f32.to_le_bytes());
        bytes.extend((-2f32).to_le_bytes());
        assert_eq!(
            Reader::new(&bytes).tensor("t", [2, 1, 1, 1]).unwrap(),
            [1.5, -2.0]
        );
        let err = Reader::new(&bytes).tensor("t", [3, 1, 1, 1]).unwrap_err();
        assert!(err.to_string().contains("t num_samples"), "{err}");
        // A NaN weight is refused.
        bytes[10..14].copy_from_slice(&f32::NAN.to_le_bytes());
        assert!(Reader::new(&bytes).tensor("t", [2, 1, 1, 1]).is_err());
        // A training tensor claiming 2^62 floats is skipped only if its bytes exist: refused.
        let huge = [
            0x01, 0x02, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x40, 1, 1, 1, 1, 1, 1,
        ];
        assert!(Reader::new(&huge).skip_tensor("x_grad").is_err());
    }
}
