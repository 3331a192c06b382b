//! Identity: 128-D dlib embeddings, their distance, and the 0–1 score people read.
//!
//! dlib's documented rule: two faces are the same person when the Euclidean distance between
//! their embeddings is below 0.6 (99.38 % on LFW). Raw cosine similarity is misleading with
//! this model (different people still score 0.81–0.92), so the score is a linear map of the
//! distance: `score = clamp(1 − distance / 1.2, 0, 1)`. Same-person line 0.6 → score 0.5;
//! identical → 1; 1.2 or further → 0. Typical: the same photo flipped or recompressed scores
//! 0.83–0.94, different people 0.25–0.5.

/// The number of dimensions of an embedding.
pub const EMBEDDING_LEN: usize = 128;

/// dlib's same-person threshold on the Euclidean distance.
pub const SAME_PERSON_DISTANCE: f32 = 0.6;

/// The distance at which the identity score reaches 0.
const ZERO_SCORE_DISTANCE: f32 = 2.0 * SAME_PERSON_DISTANCE;

/// A face's identity embedding (not normalised, as dlib returns it).
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding(pub [f32; EMBEDDING_LEN]);

impl Embedding {
    /// The Euclidean distance to `other`.
    pub fn distance(&self, other: &Embedding) -> f32 {
        self.0
            .iter()
            .zip(other.0.iter())
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f32>()
            .sqrt()
    }
}

/// The 0–1 identity score of a distance (see the module documentation).
pub fn identity_score(distance: f32) -> f32 {
    if distance.is_nan() {
        return 0.0;
    }
    (1.0 - distance / ZERO_SCORE_DISTANCE).clamp(0.0, 1.0)
}

/// True when `distance` says "the same person" by dlib's rule.
pub fn same_person(distance: f32) -> bool {
    distance < SAME_PERSON_DISTANCE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_is_linear_in_distance_and_clamped() {
        assert_eq!(identity_score(0.0), 1.0);
        assert_eq!(identity_score(0.6), 0.5);
        assert!((identity_score(0.3) - 0.75).abs() < 1e-6);
        assert_eq!(identity_score(1.5), 0.0);
        assert_eq!(identity_score(f32::NAN), 0.0);
        assert!(same_person(0.59) && !same_person(0.6));
    }

    #[test]
    fn distance_is_euclidean() {
        let mut a = [0.0; EMBEDDING_LEN];
        let mut b = [0.0; EMBEDDING_LEN];
        a[0] = 3.0;
        b[1] = 4.0;
        assert_eq!(Embedding(a).distance(&Embedding(b)), 5.0);
    }
}
