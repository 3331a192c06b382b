//! The watercolour's paper and pigments: the brief's four colours, which a recipe may
//! override. Their own room because both the painter (`watercolor.rs`) and the drying
//! (`pigment.rs`) read them.

use crate::sitter::Rgb;

pub(crate) const PAPER: Rgb = Rgb(0xf0, 0xea, 0xd6);
pub(crate) const WASH_DARK: Rgb = Rgb(0x2f, 0x5e, 0x52);
pub(crate) const WASH_LIGHT: Rgb = Rgb(0x5a, 0x7d, 0x7c);
pub(crate) const GLOW: Rgb = Rgb(0xd9, 0xa0, 0x36);
